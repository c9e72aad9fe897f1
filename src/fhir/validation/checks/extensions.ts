import type { FhirDefinitions } from '../../definitions.ts';
import { issue, type OutcomeIssue } from '../../outcome.ts';
import { createStructureIndex, isPrimitiveType, type NodeRule } from '../structure-index.ts';
import type { CheckInput, ValidationCheck } from '../validation-check.ts';
import type { ValidationSettings } from '../validation-checks.ts';
import type { ExtensionRule } from './extension-definitions.ts';

/**
 * Every `extension` and `modifierExtension` of a resource (in resources, data types, backbone elements,
 * primitives' `_name` objects, contained and entry resources), against the definitions known:
 * - `url` is an absolute URI (FHIR R4 extensibility.html#Extension: "the URL SHALL be an absolute URL");
 * - ext-1: a value or sub-extensions, never both, never neither;
 * - a known extension: its value's type is one its definition allows; a modifier extension only in
 *   `modifierExtension` and a plain one only in `extension`; the sub-extensions of a complex extension are
 *   among those it defines, each with an allowed value type; its element contexts admit the place it is
 *   used (FHIR R4 defining-extensions.html#context: an extension "SHALL only be used" where its context
 *   says). A context names a type (`HumanName`, or a supertype: `Element`, `Resource`) or an element path
 *   (`HumanName.family`, `Patient.name`); the place of an extension is described by the element holding it
 *   (its snapshot path, its path from the resource) and that element's type with its supertypes. Extensions
 *   of extensions are not checked against contexts (their contexts of type `extension` are not read);
 * - an unknown extension: a warning or an error as VALIDATION_UNKNOWN_EXTENSIONS says, except in
 *   `modifierExtension`, always an error (extensibility.html#modifierExtension: a processor that does not
 *   know a modifier extension must not process the resource).
 */
const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:\S+$/;
/** Contexts that admit an extension anywhere. */
const ANYWHERE = new Set(['Element', 'Base']);

/** Where an extension is used: the names a context may give that place. */
interface Place {
  /** Path from the resource (`Patient.name`), the element's snapshot path (`HumanName.family`), its type and supertypes. */
  readonly names: readonly string[];
  /** The resource whose top level this is, if it is one. */
  readonly resourceType?: string;
}

type JsonObject = Record<string, unknown>;
const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

export function extensionsCheck(definitions: FhirDefinitions, extensions: ReadonlyMap<string, ExtensionRule>, settings: ValidationSettings): ValidationCheck {
  const index = createStructureIndex(definitions);
  const elementNode = index.root('Element');
  const supertypes = supertypesOf(definitions);

  return {
    name: 'extensions',
    run(input: CheckInput, report: (found: OutcomeIssue) => void) {
      walkResource(input.resource as JsonObject, input.resourceType, input.resourceType);

      function walkResource(resource: JsonObject, type: string, at: string): void {
        const node = index.root(type);
        if (node) walkObject(resource, node, at, type, { names: [type, ...supertypes(type)], resourceType: type });
      }

      /** `route` is the path from the resource (`Patient.name`); `place` describes `value` for its extensions' contexts. */
      function walkObject(value: JsonObject, node: NodeRule, at: string, route: string, place?: Place): void {
        for (const [key, child] of Object.entries(value)) {
          if (key === 'extension' || key === 'modifierExtension') {
            if (Array.isArray(child)) child.forEach((ext, i) => isObject(ext) && checkExtension(ext, key, `${at}.${key}[${i}]`, place));
            continue;
          }
          const isSibling = key.startsWith('_');
          const name = isSibling ? key.slice(1) : key;
          const match = node.properties.get(name);
          if (!match) continue;
          const { element, type } = match;
          const childAt = element.choice ? `${at}.${element.name}.ofType(${type})` : `${at}.${name}`;
          const childRoute = `${route}.${element.name}`;
          const items = Array.isArray(child) ? child : [child];
          let childPlace: Place | undefined;
          const placeOfChild = (): Place => (childPlace ??= {
            names: [childRoute, element.path, ...(element.choice ? [element.path.replace(/\[x\]$/, '')] : []),
              ...(element.children ? [element.children.path] : []), type, ...supertypes(type)],
          });
          items.forEach((item, i) => {
            if (!isObject(item)) return;
            const itemAt = Array.isArray(child) ? `${childAt}[${i}]` : childAt;
            if (isSibling) {
              if (elementNode) walkObject(item, elementNode, itemAt, childRoute, placeOfChild());
            } else if (isPrimitiveType(type)) {
              return;
            } else if (type === 'Resource' && typeof item.resourceType === 'string') {
              walkResource(item, item.resourceType, itemAt);
            } else {
              const childNode = element.children ? index.node(element.children) : index.root(type);
              if (childNode) walkObject(item, childNode, itemAt, childRoute, placeOfChild());
            }
          });
        }
      }

      function checkExtension(ext: JsonObject, kind: 'extension' | 'modifierExtension', at: string, place?: Place): void {
        const url = ext.url;
        if (typeof url !== 'string') return; // Extension.url is required: the structure walk reports it
        if (!ABSOLUTE_URI.test(url)) {
          report(issue('value', `The extension url '${url}' must be an absolute URI`, `${at}.url`));
          return;
        }
        const valueType = valueTypeOf(ext);
        const hasParts = Array.isArray(ext.extension) && ext.extension.length > 0;
        if ((valueType !== undefined) === hasParts) {
          report(issue('invariant', 'ext-1: Must have either extensions or value[x], not both', at));
        }
        const rule = extensions.get(url.split('|')[0] as string);
        if (!rule) {
          const severity = kind === 'modifierExtension' || settings.unknownExtensions === 'error' ? 'error' : 'warning';
          const why = kind === 'modifierExtension' ? 'an unknown modifier extension changes the meaning of the resource in a way this server cannot know' : 'its definition is not known to this server';
          report(issue('extension', `The extension ${url} is not known: ${why}`, at, severity));
          if (Array.isArray(ext.extension)) walkChildren(ext, at);
          return;
        }
        if (rule.isModifier && kind === 'extension') {
          report(issue('extension', `The extension ${url} is a modifier extension: it belongs in modifierExtension`, at));
        } else if (!rule.isModifier && kind === 'modifierExtension') {
          report(issue('extension', `The extension ${url} is not a modifier extension: it belongs in extension`, at));
        }
        if (place && rule.contexts.length > 0 && !rule.contexts.some((c) => ANYWHERE.has(c) || place.names.includes(c))) {
          const here = place.resourceType ?? place.names.slice(0, 2).join(', ');
          report(issue('extension', `The extension ${url} is not allowed on ${here} (its contexts: ${rule.contexts.join(', ')})`, at));
        }
        if (valueType !== undefined && !rule.valueTypes.includes(valueType)) {
          report(issue('extension', rule.valueTypes.length === 0
            ? `The extension ${url} takes no value, only sub-extensions`
            : `The extension ${url} allows a value of type ${rule.valueTypes.join(', ')}, not ${valueType}`, at));
        }
        if (Array.isArray(ext.extension) && rule.parts.size > 0) {
          ext.extension.forEach((part, i) => {
            if (!isObject(part) || typeof part.url !== 'string') return;
            const partAt = `${at}.extension[${i}]`;
            const allowed = rule.parts.get(part.url);
            if (!allowed) {
              // Another extension (an absolute URL) may extend a part; a relative one must be a defined part.
              if (!ABSOLUTE_URI.test(part.url)) report(issue('extension', `The extension ${url} has no part '${part.url}' (its parts: ${[...rule.parts.keys()].join(', ')})`, partAt));
              else checkExtension(part, 'extension', partAt);
              return;
            }
            const partType = valueTypeOf(part);
            if (partType !== undefined && allowed.length > 0 && !allowed.includes(partType)) {
              report(issue('extension', `The part '${part.url}' of ${url} allows a value of type ${allowed.join(', ')}, not ${partType}`, partAt));
            }
          });
        }
        walkValue(ext, at);
      }

      /** Extensions inside an extension's value (a CodeableConcept with its own extensions). */
      function walkValue(ext: JsonObject, at: string): void {
        const type = valueTypeOf(ext);
        const value = type && !isPrimitiveType(type) ? ext[`value${type}`] : undefined;
        const node = type ? index.root(type) : undefined;
        if (isObject(value) && node && type) walkObject(value, node, `${at}.value.ofType(${type})`, 'Extension.value', { names: ['Extension.value', 'Extension.value[x]', type, ...supertypes(type)] });
      }

      function walkChildren(ext: JsonObject, at: string): void {
        (ext.extension as unknown[]).forEach((part, i) => {
          if (isObject(part) && typeof part.url === 'string' && ABSOLUTE_URI.test(part.url)) checkExtension(part, 'extension', `${at}.extension[${i}]`);
        });
      }
    },
  };
}

/** The type of an extension's value (`string` for valueString, `CodeableConcept` for valueCodeableConcept). */
function valueTypeOf(ext: JsonObject): string | undefined {
  for (const key of Object.keys(ext)) {
    if (!key.startsWith('value') || key.length <= 5) continue;
    const suffix = key.slice(5);
    const lower = suffix.charAt(0).toLowerCase() + suffix.slice(1);
    return isPrimitiveType(lower) ? lower : suffix;
  }
  return undefined;
}

/** The supertypes of a type from its definition's baseDefinition chain (`Age` → Quantity, Element), kept per type. */
function supertypesOf(definitions: FhirDefinitions): (type: string) => readonly string[] {
  const known = new Map<string, readonly string[]>();
  const chain = (type: string): readonly string[] => {
    let found = known.get(type);
    if (found) return found;
    const base = definitions.structures.get(type)?.baseDefinition?.split('/').pop();
    found = base && base !== type ? [base, ...chain(base)] : [];
    known.set(type, found);
    return found;
  };
  return chain;
}
