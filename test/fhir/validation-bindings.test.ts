import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDefinitions } from '../../src/fhir/definitions.ts';
import type { OutcomeIssue } from '../../src/fhir/outcome.ts';
import { createTerminology } from '../../src/fhir/terminology/terminology.ts';
import { loadR4TerminologyResources } from '../../src/fhir/terminology/terminology-resources.ts';
import { createResourceValidation } from '../../src/fhir/validation/validate-resource.ts';
import { bindingsCheck } from '../../src/fhir/validation/checks/bindings.ts';
import { validExamples } from './validation-examples.ts';

const definitions = loadDefinitions();
const settings = { unknownExtensions: 'warn', profiles: 'write' } as const;
// The bindings check alone: what the other rule families report is theirs to test.
const { inspect } = createResourceValidation(definitions, [bindingsCheck(definitions, createTerminology(loadR4TerminologyResources()))], settings);

const issuesOf = (resource: Record<string, unknown>) => inspect(resource, { purpose: 'validate' }).issues;
const at = (issues: readonly OutcomeIssue[], severity: OutcomeIssue['severity']) =>
  issues.filter((i) => i.severity === severity).flatMap((i) => i.expression ?? []).sort();

const observation = (extra: Record<string, unknown>) => ({ resourceType: 'Observation', status: 'final', code: { text: 'weight' }, ...extra });
const UCUM = 'http://unitsofmeasure.org';

describe('bindings check', () => {
  it('accepts every valid example unchanged (no error)', () => {
    for (const [name, resource] of Object.entries(validExamples)) {
      assert.deepEqual(at(issuesOf(resource), 'error'), [], name);
    }
  });

  it('refuses a code outside a required value set, wherever the bound element occurs', () => {
    assert.deepEqual(at(issuesOf({ resourceType: 'Patient', gender: 'male' }), 'error'), []);
    const issues = issuesOf({ resourceType: 'Patient', gender: 'sometimes', contact: [{ name: { use: 'nick', family: 'Chalmers' } }] });
    assert.deepEqual(at(issues, 'error'), ['Patient.contact[0].name.use', 'Patient.gender']);
    assert.ok(issues.every((i) => i.code === 'code-invalid'));
    assert.match(issues[0]?.diagnostics ?? '', /administrative-gender/);
    // Inside a contained resource and a Bundle entry as well.
    const bundle = { resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl: 'urn:uuid:0c4a9e5b-3f36-4a3b-9d6b-2a3f0d0c1e11', resource: { resourceType: 'Observation', status: 'bogus', code: { text: 'x' } } }] };
    assert.deepEqual(at(issuesOf(bundle), 'error'), ['Bundle.entry[0].resource.status']);
  });

  it('refuses a CodeableConcept of a required binding when none of its codings is in the value set, accepts one that is', () => {
    const clinical = (code: string) => ({
      resourceType: 'Condition',
      subject: { reference: 'Patient/p1' },
      clinicalStatus: { coding: [{ system: 'http://example.org/local', code: 'x' }, { system: 'http://terminology.hl7.org/CodeSystem/condition-clinical', code }] },
    });
    assert.deepEqual(at(issuesOf(clinical('active')), 'error'), []);
    assert.deepEqual(at(issuesOf(clinical('dormant')), 'error'), ['Condition.clinicalStatus.coding[1].code']);
    const noCoding = { resourceType: 'Condition', subject: { reference: 'Patient/p1' }, clinicalStatus: { text: 'active' } };
    assert.deepEqual(at(issuesOf(noCoding), 'error'), ['Condition.clinicalStatus']);
  });

  it('refuses a required code given only by a data-absent-reason extension', () => {
    const allergy = { resourceType: 'AllergyIntolerance', patient: { reference: 'Patient/p1' }, _category: [{ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] }] };
    assert.deepEqual(at(issuesOf(allergy), 'error'), ['AllergyIntolerance.category[0]']);
    assert.deepEqual(at(issuesOf({ ...allergy, category: ['food'], _category: undefined }), 'error'), []);
  });

  it('refuses an unknown code of a code system R4 defines, and only warns for the older v2/v3 tables it ships', () => {
    const legal = (code: string) => ({ resourceType: 'Contract', legalState: { coding: [{ system: 'http://hl7.org/fhir/contract-legalstate', code }] } });
    assert.deepEqual(at(issuesOf(legal('executed')), 'error'), []);
    const unknown = issuesOf(legal('invalid-code-test'));
    assert.deepEqual(at(unknown, 'error'), ['Contract.legalState.coding[0].code']);
    assert.match(unknown[0]?.diagnostics ?? '', /Unknown code 'invalid-code-test' in the CodeSystem 'http:\/\/hl7.org\/fhir\/contract-legalstate'/);

    const identifier = (code: string) => ({ resourceType: 'Patient', identifier: [{ type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0203', code }] }, value: '1' }] });
    assert.deepEqual(at(issuesOf(identifier('MR')), 'warning'), []);
    const newer = issuesOf(identifier('NNFIN'));
    assert.deepEqual(at(newer, 'error'), []);
    assert.deepEqual(at(newer, 'warning'), ['Patient.identifier[0].type.coding[0].code']);
  });

  it('warns of a wrong display, and of codes outside extensible bindings, only for $validate', () => {
    const patient = {
      resourceType: 'Patient',
      maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M', display: 'Wed' }] },
      contact: [{ relationship: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v2-0131', code: 'C' }] }, { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-RoleCode', code: 'WIFE' }] }] }],
    };
    assert.deepEqual(at(issuesOf(patient), 'warning'), ['Patient.contact[0].relationship[1]', 'Patient.maritalStatus.coding[0].display']);
    assert.deepEqual(at(issuesOf({ ...patient, maritalStatus: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-MaritalStatus', code: 'M', display: 'married' }] } }), 'warning'), ['Patient.contact[0].relationship[1]']);
    // A write drops warnings: it is not refused.
    assert.equal(inspect(patient, { purpose: 'write' }).valid, true);
  });

  it('says nothing of codes it cannot decide (LOINC, SNOMED CT)', () => {
    const obs = observation({ code: { coding: [{ system: 'http://loinc.org', code: '29463-7x' }] }, bodySite: { coding: [{ system: 'http://snomed.info/sct', code: 'nonsense' }] } });
    assert.deepEqual(issuesOf(obs), []);
  });

  it('refuses a Quantity whose UCUM code is not a unit, in any quantity type', () => {
    assert.deepEqual(at(issuesOf(observation({ valueQuantity: { value: 70, unit: 'kg', system: UCUM, code: 'kg' } })), 'error'), []);
    assert.deepEqual(at(issuesOf(observation({ valueQuantity: { value: 70, system: UCUM, code: 'kilogramz' } })), 'error'), ['Observation.value.ofType(Quantity).code']);
    const age = { resourceType: 'Condition', subject: { reference: 'Patient/p1' }, onsetAge: { value: 3, system: UCUM, code: 'yearz' } };
    assert.deepEqual(at(issuesOf(age), 'error'), ['Condition.onset.ofType(Age).code']);
    // Units of another system are not UCUM's to judge.
    assert.deepEqual(at(issuesOf(observation({ valueQuantity: { value: 70, system: 'http://example.org/units', code: 'kilogramz' } })), 'error'), []);
  });
});
