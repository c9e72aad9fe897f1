import type { FhirDefinitions } from '../../definitions.ts';
import { issue } from '../../outcome.ts';
import type { Terminology } from '../../terminology/terminology.ts';
import type { ValidationCheck } from '../validation-check.ts';
import { isObject, type JsonObject } from './typed-values.ts';

/** The canonical elements of a resource type, by the path of the element holding them, and the ways down to them. */
interface CanonicalElements {
  /** Element path → its canonical children: name and the resource types they may name. */
  readonly canonicals: ReadonlyMap<string, readonly { name: string; targets: readonly string[] }[]>;
  /** Element path → the children to go down to reach canonicals: name and the definition path of what it holds. */
  readonly ways: ReadonlyMap<string, readonly { name: string; path: string }[]>;
}

const STRUCTURE_DEFINITION = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * A `canonical` element names a resource of the types its `targetProfile` lists (references.html#canonical,
 * datatypes.html#canonical: "the type of resource ... SHALL be one of" them). When the URL is that of a
 * resource the server knows (a value set or code system of the terminology, an R4 search parameter or
 * StructureDefinition) and of none of the allowed types, the element names the wrong kind of resource —
 * a QuestionnaireResponse.questionnaire that is a ValueSet's URL. URLs the server does not know are left
 * alone: they may well be right. The canonical elements of each resource type are read once from its
 * definition (choice elements aside), so a resource costs a look at those few paths.
 */
export function canonicalTargetsCheck(definitions: FhirDefinitions, terminology: Terminology | undefined): ValidationCheck {
  const elementsByType = new Map<string, CanonicalElements>();
  const elementsOf = (type: string): CanonicalElements => {
    let found = elementsByType.get(type);
    if (!found) {
      found = canonicalElements(definitions, type);
      elementsByType.set(type, found);
    }
    return found;
  };
  let searchParameterUrls: ReadonlySet<string> | undefined;
  /** The known resource types this canonical URL names (empty when the server knows it as nothing). */
  const knownAs = (canonical: string): string[] => {
    const url = canonical.split('|')[0] ?? canonical;
    searchParameterUrls ??= new Set(definitions.searchParameters.map((sp) => sp.url));
    const types: string[] = [];
    if (terminology?.valueSet(url)) types.push('ValueSet');
    if (terminology?.codeSystem(url)) types.push('CodeSystem');
    if (searchParameterUrls.has(url)) types.push('SearchParameter');
    if (url.startsWith(STRUCTURE_DEFINITION) && definitions.structures.has(url.slice(STRUCTURE_DEFINITION.length))) types.push('StructureDefinition');
    return types;
  };
  return {
    name: 'canonical-targets',
    run({ resource, resourceType }, report) {
      const { canonicals, ways } = elementsOf(resourceType);
      if (canonicals.size === 0) return;
      const walk = (value: JsonObject, path: string, at: string, depth: number): void => {
        for (const { name, targets } of canonicals.get(path) ?? []) {
          eachItem(value[name], `${at}.${name}`, (item, itemAt) => {
            if (typeof item !== 'string' || item.startsWith('#')) return;
            const types = knownAs(item);
            if (types.length === 0 || types.some((t) => targets.includes(t))) return;
            report(issue('invalid', `Canonical URL '${item}' refers to a resource that has the wrong type. Found ${types.join(', ')} expecting one of [${targets.join(', ')}]`, itemAt));
          });
        }
        // Recursive elements (Questionnaire.item.item) are followed as deep as the resource goes, within reason.
        if (depth > 64) return;
        for (const way of ways.get(path) ?? []) {
          eachItem(value[way.name], `${at}.${way.name}`, (item, itemAt) => {
            if (isObject(item)) walk(item, way.path, itemAt, depth + 1);
          });
        }
      };
      walk(resource as JsonObject, resourceType, resourceType, 0);
    },
  };
}

function canonicalElements(definitions: FhirDefinitions, type: string): CanonicalElements {
  const elements = definitions.structures.get(type)?.snapshot?.element ?? [];
  const canonicals = new Map<string, { name: string; targets: string[] }[]>();
  const parentOf = (path: string) => path.slice(0, path.lastIndexOf('.'));
  const nameOf = (path: string) => path.slice(path.lastIndexOf('.') + 1);
  for (const element of elements) {
    if (element.path.endsWith('[x]') || element.type?.length !== 1) continue;
    const only = element.type[0];
    if (only?.code !== 'canonical' || !only.targetProfile) continue;
    const targets = only.targetProfile.map((profile) => profile.slice(profile.lastIndexOf('/') + 1));
    // Any resource type is allowed: nothing to check.
    if (targets.includes('Resource') || targets.includes('DomainResource')) continue;
    const parent = parentOf(element.path);
    canonicals.set(parent, [...(canonicals.get(parent) ?? []), { name: nameOf(element.path), targets }]);
  }
  const leadsToCanonical = (path: string) => [...canonicals.keys()].some((p) => p === path || p.startsWith(`${path}.`));
  const ways = new Map<string, { name: string; path: string }[]>();
  for (const element of elements) {
    if (!element.path.includes('.')) continue;
    const holds = typeof element.contentReference === 'string' ? element.contentReference.slice(1) : element.path;
    if (element.type?.some((t) => t.code !== 'BackboneElement' && t.code !== 'Element') && !element.contentReference) continue;
    if (!leadsToCanonical(holds)) continue;
    const parent = parentOf(element.path);
    ways.set(parent, [...(ways.get(parent) ?? []), { name: nameOf(element.path), path: holds }]);
  }
  return { canonicals, ways };
}

/** Each item of a value that may be a list, with its FHIRPath. */
function eachItem(value: unknown, at: string, fn: (item: unknown, at: string) => void): void {
  if (Array.isArray(value)) value.forEach((item, i) => fn(item, `${at}[${i}]`));
  else if (value !== undefined) fn(value, at);
}
