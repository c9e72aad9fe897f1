import { issue } from '../../outcome.ts';
import type { ValidationCheck } from '../validation-check.ts';
import { isObject, type JsonObject } from './typed-values.ts';

type Report = Parameters<ValidationCheck['run']>[1];

/** The properties R4 defines for every code system (codesystem-concept-properties.html), by URI, with their type. */
const STANDARD_PROPERTIES: ReadonlyMap<string, string> = new Map([
  ['http://hl7.org/fhir/concept-properties#inactive', 'boolean'],
  ['http://hl7.org/fhir/concept-properties#deprecated', 'dateTime'],
  ['http://hl7.org/fhir/concept-properties#notSelectable', 'boolean'],
  ['http://hl7.org/fhir/concept-properties#parent', 'code'],
  ['http://hl7.org/fhir/concept-properties#child', 'code'],
]);

/** CodeSystem.property.type → the concept property's value[x] it allows (codesystem-definitions.html#CodeSystem.concept.property.value_x_). */
const VALUE_OF_TYPE: ReadonlyMap<string, string> = new Map([
  ['code', 'valueCode'], ['Coding', 'valueCoding'], ['string', 'valueString'], ['integer', 'valueInteger'],
  ['boolean', 'valueBoolean'], ['dateTime', 'valueDateTime'], ['decimal', 'valueDecimal'],
]);

/**
 * The properties a CodeSystem declares and its concepts carry (codesystem.html#properties):
 * - a property is named by its `code` within the code system and by its `uri` across them, so neither is
 *   declared twice;
 * - a property whose `uri` is one R4 defines (codesystem-concept-properties.html) has that property's type;
 * - a concept's property value is of the type its declaration states ("the value of the property",
 *   typed by CodeSystem.property.type).
 * Only CodeSystem resources are looked at.
 */
export function codeSystemPropertiesCheck(): ValidationCheck {
  return {
    name: 'code-system-properties',
    run({ resource, resourceType }, report) {
      if (resourceType !== 'CodeSystem') return;
      const typeOf = declaredProperties(resource as JsonObject, report);
      checkConcepts((resource as JsonObject).concept, 'CodeSystem.concept', typeOf, report);
    },
  };
}

function declaredProperties(codeSystem: JsonObject, report: Report): Map<string, string> {
  const typeOf = new Map<string, string>();
  const uris = new Set<string>();
  const list = Array.isArray(codeSystem.property) ? codeSystem.property : [];
  list.forEach((property, i) => {
    if (!isObject(property)) return;
    const at = `CodeSystem.property[${i}]`;
    const { code, uri, type } = property;
    if (typeof uri === 'string') {
      const standard = STANDARD_PROPERTIES.get(uri);
      if (standard && typeof type === 'string' && type !== standard) {
        report(issue('invalid', `Wrong type '${type}': the URI '${uri}' identifies a property that has the type '${standard}'`, `${at}.type`));
      }
      if (uris.has(uri)) report(issue('invalid', `A property is already defined with the URI '${uri}'`, `${at}.uri`));
      uris.add(uri);
    }
    if (typeof code === 'string') {
      if (typeOf.has(code)) report(issue('invalid', `A property is already defined with the code '${code}'`, `${at}.code`));
      else if (typeof type === 'string') typeOf.set(code, type);
    }
  });
  return typeOf;
}

function checkConcepts(concepts: unknown, at: string, typeOf: ReadonlyMap<string, string>, report: Report): void {
  if (!Array.isArray(concepts)) return;
  concepts.forEach((concept, i) => {
    if (!isObject(concept)) return;
    const conceptAt = `${at}[${i}]`;
    if (Array.isArray(concept.property)) {
      concept.property.forEach((property, j) => {
        if (!isObject(property) || typeof property.code !== 'string') return;
        const type = typeOf.get(property.code);
        const expected = type !== undefined ? VALUE_OF_TYPE.get(type) : undefined;
        const actual = Object.keys(property).find((key) => key.startsWith('value'));
        if (expected && actual && actual !== expected) {
          const actualType = [...VALUE_OF_TYPE].find(([, key]) => key === actual)?.[0] ?? actual;
          report(issue('invalid', `The property '${property.code}' has the invalid type '${actualType}', when it is defined to have the type '${type}'`, `${conceptAt}.property[${j}]`));
        }
      });
    }
    checkConcepts(concept.concept, `${conceptAt}.concept`, typeOf, report);
  });
}
