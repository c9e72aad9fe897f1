import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient, type FhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

const US_CORE_PATIENT = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient';
const usCorePatient = {
  resourceType: 'Patient',
  meta: { profile: [US_CORE_PATIENT] },
  identifier: [{ system: 'http://hospital.example.org/mrn', value: 'MRN7' }],
  name: [{ family: 'Shaw', given: ['Amy'] }],
  gender: 'female',
  extension: [{ url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race', extension: [{ url: 'text', valueString: 'Unknown' }] }],
};
const { identifier: _identifier, ...withoutIdentifier } = usCorePatient;

for (const driver of drivers) {
  describe(`US Core profiles on writes (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    before(async () => {
      portico = await startPortico(driver);
      fhir = fhirClient(portico.app);
    });
    after(() => portico.stop());

    it('creates a resource that conforms to the profile it claims (201)', async () => {
      const res = await fhir.post('Patient', usCorePatient);
      assert.equal(res.status, 201, res.text);
    });

    it('refuses one that breaks it with 422, naming the profile and the element; stores nothing', async () => {
      const res = await fhir.post('Patient', withoutIdentifier);
      assert.equal(res.status, 422, res.text);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.deepEqual(res.body.issue, [{ severity: 'error', code: 'required', diagnostics: 'us-core-patient: Patient.identifier: minimum 1, found 0', expression: ['Patient.identifier'] }]);

      const brokenRace = { ...usCorePatient, extension: [{ url: 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-race', extension: [{ url: 'detailed', valueCoding: { system: 'urn:oid:2.16.840.1.113883.6.238', code: '1010-8' } }] }] };
      const race = await fhir.post('Patient', brokenRace);
      assert.equal(race.status, 422, race.text);
      assert.deepEqual(race.body.issue.map((i: { expression: string[] }) => i.expression[0]), ['Patient.extension[0].extension:text']);

      const search = await fhir.get('Patient?family=Shaw');
      assert.equal(search.status, 200, search.text);
      assert.equal(search.body.total ?? search.body.entry?.length, 1);
    });

    it('accepts a profile it does not know (a warning, not a refusal)', async () => {
      const res = await fhir.post('Patient', { ...withoutIdentifier, meta: { profile: ['http://example.org/fhir/StructureDefinition/other-patient'] } });
      assert.equal(res.status, 201, res.text);
    });
  });

  describe(`VALIDATE_PROFILES=validate-only (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    before(async () => {
      portico = await startPortico(driver, { VALIDATE_PROFILES: 'validate-only' });
      fhir = fhirClient(portico.app);
    });
    after(() => portico.stop());

    it('writes skip profiles: what breaks us-core-patient is created, what breaks R4 itself is not', async () => {
      assert.equal((await fhir.post('Patient', withoutIdentifier)).status, 201);
      const bad = await fhir.post('Patient', { ...withoutIdentifier, gender: 'sometimes', birthDate: '1974-13-25' });
      assert.equal(bad.status, 422, bad.text);
    });
  });
}
