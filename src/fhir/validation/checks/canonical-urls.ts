import { issue } from '../../outcome.ts';
import type { ValidationCheck } from '../validation-check.ts';
import { isObject, type JsonObject } from './typed-values.ts';

/**
 * The R4 resources whose `url` is their canonical identity (resource.html#canonical, the conformance and
 * knowledge resources). Device, DeviceDefinition and Contract also have a `url`, but a network address or
 * a basal definition, not a canonical one.
 */
const CANONICAL_RESOURCES: ReadonlySet<string> = new Set([
  'ActivityDefinition', 'CapabilityStatement', 'ChargeItemDefinition', 'CodeSystem', 'CompartmentDefinition', 'ConceptMap',
  'EffectEvidenceSynthesis', 'EventDefinition', 'Evidence', 'EvidenceVariable', 'ExampleScenario', 'GraphDefinition',
  'ImplementationGuide', 'Library', 'Measure', 'MessageDefinition', 'OperationDefinition', 'PlanDefinition', 'Questionnaire',
  'ResearchDefinition', 'ResearchElementDefinition', 'RiskEvidenceSynthesis', 'SearchParameter', 'StructureDefinition',
  'StructureMap', 'TerminologyCapabilities', 'TestScript', 'ValueSet',
]);

const ABSOLUTE_URI = /^[A-Za-z][A-Za-z0-9+.-]*:/;
// FHIR R4 datatypes.html#uuid: a urn:uuid: is a UUID in lowercase hex (RFC 4122).
const UUID_URN = /^urn:uuid:[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * Canonical URLs of conformance resources, the resource and those it contains: `url` is "an absolute URI"
 * (e.g. valueset-definitions.html#ValueSet.url), and one in `urn:uuid:` form holds a valid lowercase UUID
 * (datatypes.html#uuid). A ValueSet's `compose.include.system` / `exclude.system` names a code system by
 * its canonical URL, which is absolute too (valueset-definitions.html#ValueSet.compose.include.system): a
 * local `#id` is not a code system URL (a contained code system is named by its own absolute `url`).
 * Other resource types are not looked at.
 */
export function canonicalUrlsCheck(): ValidationCheck {
  return {
    name: 'canonical-urls',
    run({ resource, resourceType }, report) {
      const visit = (value: JsonObject, at: string, contained: boolean) => {
        const type = value.resourceType;
        if (typeof type === 'string' && CANONICAL_RESOURCES.has(type)) {
          checkUrl(value.url, `${at}.url`, contained, report);
          if (type === 'ValueSet') checkComposeSystems(value, at, report);
        }
        if (Array.isArray(value.contained)) {
          value.contained.forEach((item, i) => {
            if (isObject(item)) visit(item, `${at}.contained[${i}]`, true);
          });
        }
      };
      visit(resource as JsonObject, resourceType, false);
    },
  };
}

function checkUrl(url: unknown, at: string, contained: boolean, report: Parameters<ValidationCheck['run']>[1]): void {
  if (typeof url !== 'string') return;
  if (!ABSOLUTE_URI.test(url)) {
    const what = contained ? 'Canonical URLs in contained resources must be absolute URLs if present' : 'Canonical URLs must be absolute URLs';
    report(issue('invalid', `${what} (${url})`, at));
  } else if (url.toLowerCase().startsWith('urn:uuid:') && !UUID_URN.test(url)) {
    report(issue('invalid', `UUIDs must be valid and lowercase (${url})`, at));
  }
}

function checkComposeSystems(valueSet: JsonObject, at: string, report: Parameters<ValidationCheck['run']>[1]): void {
  const compose = valueSet.compose;
  if (!isObject(compose)) return;
  for (const part of ['include', 'exclude'] as const) {
    const list = compose[part];
    if (!Array.isArray(list)) continue;
    list.forEach((item, i) => {
      if (!isObject(item) || typeof item.system !== 'string' || ABSOLUTE_URI.test(item.system)) return;
      report(issue('invalid', `URI values in ValueSet.compose.${part}.system must be absolute (${item.system}); a contained code system is named by its own absolute url`, `${at}.compose.${part}[${i}].system`));
    });
  }
}
