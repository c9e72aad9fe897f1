import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';
import { validExamples } from '../fhir/validation-examples.ts';

const badPatient = {
  resourceType: 'Patient',
  name: [{ family: 'Chalmers', given: ['Peter', ''] }],
  birthDate: '1974-13-25',
  nickname: 'Pete',
};

function assertOutcome(res: FhirReply, status: number, expressions: string[]) {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.resourceType, 'OperationOutcome');
  for (const i of res.body.issue) {
    assert.equal(i.severity, 'error');
    assert.equal(typeof i.diagnostics, 'string');
  }
  const found = res.body.issue.flatMap((i: { expression?: string[] }) => i.expression ?? []);
  assert.deepEqual([...found].sort(), [...expressions].sort(), res.text);
}

for (const driver of drivers) {
  describe(`FHIR validation over HTTP (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    before(async () => {
      portico = await startPortico(driver);
      fhir = fhirClient(portico.app);
    });
    after(() => portico.stop());

    /** Everything ever written, across types. */
    const storedVersions = async () => {
      const res = await fhir.get('_history');
      assert.equal(res.status, 200, res.text);
      return (res.body.entry ?? []).length as number;
    };

    it('refuses a create of an invalid resource with 422 naming every bad element, storing nothing', async () => {
      const res = await fhir.post('Patient', badPatient);
      assertOutcome(res, 422, ['Patient.name[0].given[1]', 'Patient.birthDate', 'Patient.nickname']);
      const codes = res.body.issue.map((i: { code: string }) => i.code).sort();
      assert.deepEqual(codes, ['structure', 'value', 'value']);
      assert.equal(await storedVersions(), 0);
    });

    it('refuses a body that is not a resource of the URL type with 400', async () => {
      assert.equal((await fhir.post('Patient', [badPatient])).status, 400);
      assert.equal((await fhir.post('Patient', { name: [{ family: 'X' }] })).status, 400);
      const mismatch = await fhir.post('Patient', { resourceType: 'Observation', status: 'final', code: { text: 'x' } });
      assertOutcome(mismatch, 400, ['resourceType']);
      assert.equal(await storedVersions(), 0);
    });

    it('refuses an update-as-create and an update of an invalid resource, keeping the stored version', async () => {
      const asCreate = await fhir.put('Patient/val-1', { ...badPatient, id: 'val-1' });
      assertOutcome(asCreate, 422, ['Patient.name[0].given[1]', 'Patient.birthDate', 'Patient.nickname']);
      assert.equal((await fhir.get('Patient/val-1')).status, 404);

      const good = { resourceType: 'Patient', id: 'val-1', gender: 'male', birthDate: '1974-12-25' };
      assert.equal((await fhir.put('Patient/val-1', good)).status, 201);
      const update = await fhir.put('Patient/val-1', { ...good, gender: ['male'], _birthDate: { extension: [{ valueString: 'x' }] } });
      assertOutcome(update, 422, ['Patient.gender', 'Patient.birthDate.extension[0].url']);

      const current = await fhir.get('Patient/val-1');
      assert.equal(current.status, 200);
      assert.equal(current.body.meta.versionId, '1');
      assert.equal(current.body.gender, 'male');
      assert.equal((await fhir.get('Patient/val-1/_history')).body.entry.length, 1);
    });

    it('refuses a resource missing required elements with code required', async () => {
      const res = await fhir.post('Observation', { resourceType: 'Observation', valueQuantity: { value: 1, unit: 'kg' } });
      assertOutcome(res, 422, ['Observation.status', 'Observation.code']);
      assert.deepEqual(res.body.issue.map((i: { code: string }) => i.code), ['required', 'required']);
    });

    it('accepts realistic resources', async () => {
      for (const name of ['patient', 'observation', 'medicationRequest', 'questionnaireResponse', 'carePlan'] as const) {
        const resource = validExamples[name];
        assert.ok(resource);
        const res = await fhir.post(String(resource.resourceType), resource);
        assert.equal(res.status, 201, `${name}: ${res.text}`);
      }
    });
  });
}
