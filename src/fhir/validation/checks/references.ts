import type { FhirDefinitions } from '../../definitions.ts';
import { issue, type OutcomeIssue } from '../../outcome.ts';
import type { ValidationCheck } from '../validation-check.ts';
import type { ValidationCheckDeps } from '../validation-checks.ts';
import { parseReference } from './reference-format.ts';
import { isObject, structureIndexOf, visitTyped, type JsonObject, type TypedValue } from './typed-values.ts';

const CORE_PROFILE = 'http://hl7.org/fhir/StructureDefinition/';

/**
 * Reference.reference in every resource, nested ones included (FHIR R4 references.html): its
 * format (parseReference), that a `#id` names a contained resource of the same host, and that the
 * type it points to is one the element allows (ElementDefinition.type.targetProfile:
 * `Observation.subject` may not point to a Medication). With them the rules of contained
 * resources (FHIR R4 domainresource.html#invs): dom-2 no nested contained, dom-3 each referenced
 * from its host, dom-4 no meta.versionId/lastUpdated, dom-5 no security labels.
 */
export function referencesCheck(deps: ValidationCheckDeps): ValidationCheck {
  const index = structureIndexOf(deps.definitions);
  const targetsOf = targetTypes(deps.definitions);
  const { resourceTypes } = deps.definitions;

  return {
    name: 'references',
    run({ resource, resourceType }, report) {
      /** One host resource: its own references and those of its contained resources resolve against its `contained`. */
      const visitHost = (host: JsonObject, at: string, inTransaction: boolean): void => {
        const contained = Array.isArray(host.contained) ? host.contained.filter(isObject) : [];
        const containedTypes = new Map<string, string>();
        for (const c of contained) if (typeof c.id === 'string' && typeof c.resourceType === 'string') containedTypes.set(c.id, c.resourceType);
        const hostType = typeof host.resourceType === 'string' ? host.resourceType : '';

        const checkReference = ({ value, at: valueAt, element, definedIn }: TypedValue) => {
          const reference = value.reference;
          if (typeof reference !== 'string') return;
          const referenceAt = `${valueAt}.reference`;
          const parsed = parseReference(reference, resourceTypes);
          let type: string | undefined;
          switch (parsed.kind) {
            case 'invalid':
              report(issue('value', `Invalid reference '${reference}': ${parsed.reason}`, referenceAt));
              return;
            case 'bad-urn':
              report(issue('value', `Reference '${reference}': ${parsed.reason}`, referenceAt, 'warning'));
              return;
            case 'conditional':
              if (!inTransaction) {
                report(issue('value', `Conditional reference '${reference}' is only allowed in a transaction (FHIR R4 http.html#trules)`, referenceAt));
                return;
              }
              type = parsed.type;
              break;
            case 'contained':
              type = parsed.id === '' ? hostType : containedTypes.get(parsed.id);
              if (!type) {
                report(issue('not-found', `Reference '${reference}' names no contained resource of this ${hostType}`, referenceAt));
                return;
              }
              break;
            case 'relative':
            case 'absolute':
              type = parsed.type;
              break;
            case 'urn':
              break;
          }
          if (!type) return;
          const declared = value.type;
          if (typeof declared === 'string' && resourceTypes.has(declared) && declared !== type) {
            report(issue('invalid', `Reference '${reference}' points to a ${type}, but its type says ${declared}`, `${valueAt}.type`));
          }
          const targets = targetsOf(definedIn, element.path);
          if (targets && !targets.includes(type)) {
            report(issue('invalid', `${element.path} may refer to ${targets.join(', ')}, not to a ${type} ('${reference}')`, referenceAt));
          }
        };

        const visitResource = (value: JsonObject, valueAt: string): void =>
          visitTyped(index, value, valueAt, {
            value: (visited) => {
              if (visited.type === 'Reference') checkReference(visited);
            },
            resource: (child, childAt, element) => {
              if (element.name === 'contained') {
                // Contained resources share their host's `contained`; one inside another is refused (dom-2) but still read.
                visitResource(child, childAt);
              } else {
                const transaction = value.resourceType === 'Bundle' && value.type === 'transaction';
                visitHost(child, childAt, transaction);
              }
            },
          });
        visitResource(host, at);
        checkContained(host, at, contained, report);
      };
      visitHost(resource as JsonObject, resourceType, false);
    },
  };
}

/** dom-2 to dom-5 on the contained resources of one host. */
function checkContained(host: JsonObject, at: string, contained: readonly JsonObject[], report: (found: OutcomeIssue) => void): void {
  if (contained.length === 0) return;
  const localReferences = new Set<string>();
  collectLocalReferences(host, localReferences);
  (host.contained as unknown[]).forEach((c, i) => {
    if (!isObject(c)) return;
    const cAt = `${at}.contained[${i}]`;
    if (c.contained !== undefined) report(issue('invariant', 'dom-2: A contained resource may not itself contain resources', `${cAt}.contained`));
    const meta = isObject(c.meta) ? c.meta : undefined;
    if (meta?.versionId !== undefined || meta?.lastUpdated !== undefined) {
      report(issue('invariant', 'dom-4: A contained resource may not have meta.versionId or meta.lastUpdated', `${cAt}.meta`));
    }
    if (meta?.security !== undefined) report(issue('invariant', 'dom-5: A contained resource may not have security labels', `${cAt}.meta.security`));
    // dom-3: referenced from elsewhere in the host (`#id`), or referring to its host (`#`).
    const id = typeof c.id === 'string' ? c.id : undefined;
    const own = new Set<string>();
    collectLocalReferences(c, own);
    if (!(id !== undefined && localReferences.has(`#${id}`)) && !own.has('#')) {
      report(issue('invariant', `dom-3: The contained resource${id ? ` '${id}'` : ''} is not referenced from the rest of the resource (by '#${id ?? ''}')`, cAt));
    }
  });
}

/**
 * Every `#…` string in a resource: Reference.reference, and the canonical and uri values dom-3
 * also counts. Narrative.div is markup, never equal to `#id`, so it does not matter that it is a string too.
 */
function collectLocalReferences(value: unknown, found: Set<string>): void {
  if (typeof value === 'string') {
    if (value.startsWith('#')) found.add(value);
  } else if (Array.isArray(value)) {
    for (const item of value) collectLocalReferences(item, found);
  } else if (isObject(value)) {
    for (const item of Object.values(value)) collectLocalReferences(item, found);
  }
}

/** The resource types an element may refer to, from its targetProfile (undefined: any). */
function targetTypes(definitions: FhirDefinitions): (definedIn: string, path: string) => readonly string[] | undefined {
  const cache = new Map<string, readonly string[] | undefined>();
  return (definedIn, path) => {
    const key = `${definedIn}|${path}`;
    if (cache.has(key)) return cache.get(key);
    const element = definitions.structures.get(definedIn)?.snapshot?.element.find((e) => e.path === path);
    const profiles = (element?.type ?? []).filter((t) => t.code === 'Reference').flatMap((t) => t.targetProfile ?? []);
    let types: readonly string[] | undefined = profiles.map((p) => (p.startsWith(CORE_PROFILE) ? p.slice(CORE_PROFILE.length) : ''));
    // No targetProfile, `Resource`, or a profile outside the core: any type is allowed as far as this check knows.
    if (types.length === 0 || types.includes('Resource') || types.includes('')) types = undefined;
    cache.set(key, types);
    return types;
  };
}
