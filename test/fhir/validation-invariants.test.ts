import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDefinitions } from '../../src/fhir/definitions.ts';
import type { OutcomeIssue } from '../../src/fhir/outcome.ts';
import { createResourceValidation } from '../../src/fhir/validation/validate-resource.ts';
import { validationChecks, type ValidationSettings } from '../../src/fhir/validation/validation-checks.ts';
import { validExamples } from './validation-examples.ts';

const definitions = loadDefinitions();
const inspector = (settings: ValidationSettings) => createResourceValidation(definitions, validationChecks({ definitions, settings }), settings).inspect;
const inspect = inspector({ unknownExtensions: 'warn', profiles: 'write' });
const strict = inspector({ unknownExtensions: 'error', profiles: 'write' });

const render = (issues: readonly OutcomeIssue[]) => issues.map((i) => `${i.severity} ${i.code} ${i.expression?.[0] ?? ''}: ${i.diagnostics ?? ''}`);
/** The issues of a severity, as `key-or-code @ location`. */
function found(value: unknown, severity: 'error' | 'warning', check = inspect): string[] {
  return check(value, { purpose: 'validate' }).issues
    .filter((i) => i.severity === severity)
    .map((i) => `${/^[a-z]+-\d+/.exec(i.diagnostics ?? '')?.[0] ?? i.code} @ ${i.expression?.[0] ?? ''}`);
}

const observation = { resourceType: 'Observation', status: 'final', code: { text: 'Heart rate' } };

describe('FHIRPath invariants', () => {
  it('accepts every realistic example with no error', () => {
    for (const [name, example] of Object.entries(validExamples)) {
      const report = inspect(example, { purpose: 'validate' });
      assert.ok(report.valid, `${name}: ${render(report.issues).join('\n')}`);
    }
  });

  it('reports a resource-level invariant (obs-6) at the resource, and not once it is fixed', () => {
    const broken = { ...observation, valueQuantity: { value: 72 }, dataAbsentReason: { text: 'not measured' } };
    assert.deepEqual(found(broken, 'error'), ['obs-6 @ Observation']);
    assert.deepEqual(found({ ...observation, valueQuantity: { value: 72 } }, 'error'), []);
  });

  it('reports a backbone element invariant (pat-1) at that element', () => {
    const patient = { resourceType: 'Patient', contact: [{ relationship: [{ text: 'friend' }] }, { name: { family: 'Doe' } }] };
    assert.deepEqual(found(patient, 'error'), ['pat-1 @ Patient.contact[0]']);
  });

  it('reports a data type invariant wherever the type occurs: per-1 in a choice, qty-3 in a component', () => {
    const broken = {
      ...observation,
      effectivePeriod: { start: '2024-05-02', end: '2024-05-01' },
      component: [{ code: { text: 'systolic' }, valueQuantity: { value: 120, code: 'mm[Hg]' } }],
    };
    assert.deepEqual(found(broken, 'error').sort(), ['per-1 @ Observation.effective.ofType(Period)', 'qty-3 @ Observation.component[0].value.ofType(Quantity)']);
    const fixed = { ...broken, effectivePeriod: { start: '2024-05-01', end: '2024-05-02' }, component: [{ code: { text: 'systolic' }, valueQuantity: { value: 120, system: 'http://unitsofmeasure.org', code: 'mm[Hg]' } }] };
    assert.deepEqual(found(fixed, 'error'), []);
  });

  it('per-1 compares dates of different precision as the reference does: not comparable is a failure', () => {
    assert.deepEqual(found({ ...observation, effectivePeriod: { start: '2024-05-01T10:00:00Z', end: '2024-05-01' } }, 'error'), ['per-1 @ Observation.effective.ofType(Period)']);
    assert.deepEqual(found({ ...observation, effectivePeriod: { start: '2024-04-30T10:00:00Z', end: '2024-05-01' } }, 'error'), []);
  });

  it('checks contained resources with their own invariants, and dom-3 (referred to) and ref-1 (local references resolve)', () => {
    const request = {
      resourceType: 'MedicationRequest', status: 'active', intent: 'order', subject: { reference: 'Patient/p1' },
      medicationReference: { reference: '#med1' },
      contained: [{ resourceType: 'Medication', id: 'med1', code: { text: 'Amoxicillin' } }],
    };
    assert.deepEqual(found(request, 'error'), []);
    const unreferenced = { ...request, medicationReference: { reference: 'Medication/m1' } };
    assert.deepEqual(found(unreferenced, 'error'), ['dom-3 @ MedicationRequest.contained[0]']);
    const dangling = { ...request, medicationReference: { reference: '#med2' }, note: [{ text: 'see #med1', authorReference: { reference: '#med1' } }] };
    // ref-1, by the reference rules at the reference itself (no such contained resource; an Annotation's
    // author may not be a Medication).
    assert.deepEqual(found(dangling, 'error').sort(), [
      'invalid @ MedicationRequest.note[0].author.ofType(Reference).reference',
      'not-found @ MedicationRequest.medication.ofType(Reference).reference',
    ]);
    const brokenObservation = { resourceType: 'Observation', id: 'obs1', status: 'final', code: { text: 'x' }, valueString: 'a', dataAbsentReason: { text: 'b' } };
    const containedBroken = { ...request, contained: [...request.contained, brokenObservation], supportingInformation: [{ reference: '#obs1' }] };
    assert.deepEqual(found(containedBroken, 'error'), ['obs-6 @ MedicationRequest.contained[1]']);
  });

  it('checks Bundle entries with their type\'s invariants and the Bundle\'s own (bdl-3)', () => {
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:4b3c0b3e-4b1f-4a0e-9d1e-1b2c3d4e5f60', resource: { resourceType: 'Patient', contact: [{ gender: 'male' }] } }] };
    assert.deepEqual(found(bundle, 'error'), ['pat-1 @ Bundle.entry[0].resource.contact[0]']);
    const batchWithoutRequest = { resourceType: 'Bundle', type: 'batch', entry: [{ resource: { resourceType: 'Patient' } }] };
    assert.deepEqual(found(batchWithoutRequest, 'error'), ['bdl-3 @ Bundle.entry[0].request']);
  });

  it('reads que-12 as its text says: two enableWhen need an enableBehavior', () => {
    const when = (question: string) => ({ question, operator: 'exists', answerBoolean: true });
    const questionnaire = { resourceType: 'Questionnaire', status: 'active', item: [{ linkId: 'q', type: 'boolean', enableWhen: [when('a'), when('b')] }] };
    assert.deepEqual(found(questionnaire, 'error'), ['que-12 @ Questionnaire.item[0]']);
    assert.deepEqual(found({ ...questionnaire, item: [{ ...questionnaire.item[0], enableBehavior: 'any' }] }, 'error'), []);
  });

  it('reports warning-severity invariants as warnings (dom-6), which a write does not even evaluate', () => {
    assert.deepEqual(found(observation, 'warning'), ['dom-6 @ Observation']);
    assert.deepEqual(inspect(observation, { purpose: 'write' }).issues, []);
  });
});

describe('Extensions', () => {
  const birthPlace = { url: 'http://hl7.org/fhir/StructureDefinition/patient-birthPlace', valueAddress: { city: 'Paris' } };
  const unknown = { url: 'http://example.org/fhir/StructureDefinition/favourite-colour', valueString: 'green' };

  it('accepts a known extension used as defined', () => {
    assert.deepEqual(found({ resourceType: 'Patient', extension: [birthPlace] }, 'error'), []);
    assert.deepEqual(found({ resourceType: 'Patient', extension: [birthPlace] }, 'warning'), ['dom-6 @ Patient']);
  });

  it('refuses a known extension with a value type its definition does not allow, or used out of its context', () => {
    assert.deepEqual(found({ resourceType: 'Patient', extension: [{ url: birthPlace.url, valueString: 'Paris' }] }, 'error'), ['extension @ Patient.extension[0]']);
    assert.deepEqual(found({ ...observation, extension: [birthPlace] }, 'error'), ['extension @ Observation.extension[0]']);
  });

  it('refuses a modifier extension in extension, and a plain one in modifierExtension', () => {
    const doNotPerform = { url: 'http://hl7.org/fhir/StructureDefinition/request-doNotPerform', valueBoolean: true };
    // R4 gives this one the context NutritionOrder only.
    const order = { resourceType: 'NutritionOrder', status: 'active', intent: 'order', patient: { reference: 'Patient/p1' }, dateTime: '2024-05-01' };
    assert.deepEqual(found({ ...order, modifierExtension: [doNotPerform] }, 'error'), []);
    assert.deepEqual(found({ ...order, extension: [doNotPerform] }, 'error'), ['extension @ NutritionOrder.extension[0]']);
    assert.deepEqual(found({ resourceType: 'Patient', modifierExtension: [birthPlace] }, 'error'), ['extension @ Patient.modifierExtension[0]']);
  });

  it('checks the parts of a complex extension, and ext-1 (a value or parts, not both)', () => {
    const nationality = { url: 'http://hl7.org/fhir/StructureDefinition/patient-nationality', extension: [{ url: 'code', valueCodeableConcept: { text: 'French' } }] };
    assert.deepEqual(found({ resourceType: 'Patient', extension: [nationality] }, 'error'), []);
    const wrongPart = { ...nationality, extension: [{ url: 'colour', valueString: 'blue' }] };
    assert.deepEqual(found({ resourceType: 'Patient', extension: [wrongPart] }, 'error'), ['extension @ Patient.extension[0].extension[0]']);
    const wrongPartType = { ...nationality, extension: [{ url: 'code', valueString: 'French' }] };
    assert.deepEqual(found({ resourceType: 'Patient', extension: [wrongPartType] }, 'error'), ['extension @ Patient.extension[0].extension[0]']);
    const both = { ...nationality, valueString: 'French' };
    assert.deepEqual(found({ resourceType: 'Patient', extension: [both] }, 'error').sort(), ['ext-1 @ Patient.extension[0]', 'extension @ Patient.extension[0]']);
  });

  it('reports an unknown extension as VALIDATION_UNKNOWN_EXTENSIONS says, anywhere in the resource', () => {
    const patient = { resourceType: 'Patient', name: [{ family: 'Doe', extension: [unknown] }], _birthDate: { extension: [unknown] }, birthDate: '1970-01-01' };
    assert.deepEqual(found(patient, 'error'), []);
    assert.deepEqual(found(patient, 'warning').filter((w) => w.startsWith('extension')), ['extension @ Patient.name[0].extension[0]', 'extension @ Patient.birthDate.extension[0]']);
    assert.deepEqual(found(patient, 'error', strict), ['extension @ Patient.name[0].extension[0]', 'extension @ Patient.birthDate.extension[0]']);
  });

  it('refuses an unknown modifierExtension whatever the setting, and a url that is not absolute', () => {
    assert.deepEqual(found({ resourceType: 'Patient', modifierExtension: [unknown] }, 'error'), ['extension @ Patient.modifierExtension[0]']);
    assert.deepEqual(found({ resourceType: 'Patient', extension: [{ url: 'favourite-colour', valueString: 'green' }] }, 'error'), ['value @ Patient.extension[0].url']);
  });

  it('knows the extension definitions passed in the deps (US Core\'s, say)', () => {
    const definition = {
      resourceType: 'StructureDefinition', url: 'http://example.org/fhir/StructureDefinition/favourite-colour', name: 'FavouriteColour', type: 'Extension',
      kind: 'complex-type', abstract: false, context: [{ type: 'element', expression: 'Patient' }],
      snapshot: { element: [{ id: 'Extension', path: 'Extension' }, { id: 'Extension.value[x]', path: 'Extension.value[x]', max: '1', type: [{ code: 'string' }] }] },
    } as const;
    const settings: ValidationSettings = { unknownExtensions: 'error', profiles: 'write' };
    const withIt = createResourceValidation(definitions, validationChecks({ definitions, settings, extensionDefinitions: [structuredClone(definition) as never] }), settings).inspect;
    assert.deepEqual(found({ resourceType: 'Patient', extension: [unknown] }, 'error', withIt), []);
    assert.deepEqual(found({ resourceType: 'Patient', extension: [{ url: unknown.url, valueInteger: 3 }] }, 'error', withIt), ['extension @ Patient.extension[0]']);
  });

  it('knows the shipped US Core extensions, checked by their published definitions, with VALIDATION_UNKNOWN_EXTENSIONS=error', () => {
    const US_CORE = 'http://hl7.org/fhir/us/core/StructureDefinition/';
    const race = {
      url: `${US_CORE}us-core-race`,
      extension: [{ url: 'ombCategory', valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '2106-3', display: 'White' } }, { url: 'text', valueString: 'White' }],
    };
    const birthsex = { url: `${US_CORE}us-core-birthsex`, valueCode: 'F' };
    assert.deepEqual(found({ resourceType: 'Patient', extension: [race, birthsex] }, 'error', strict), []);
    assert.deepEqual(found({ resourceType: 'Patient', extension: [race, { url: birthsex.url, valueString: 'F' }] }, 'error', strict), ['extension @ Patient.extension[1]']);
    assert.deepEqual(found({ resourceType: 'Patient', extension: [{ ...race, extension: [{ url: 'favourite', valueString: 'x' }] }] }, 'error', strict), ['extension @ Patient.extension[0].extension[0]']);
  });
});
