import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

interface Issue {
  severity: string;
  code: string;
  diagnostics?: string;
  expression?: string[];
}

/** A resource without narrative draws the best-practice warning dom-6: these carry one, to be "All OK". */
const NARRATIVE = { status: 'generated', div: '<div xmlns="http://www.w3.org/1999/xhtml">A patient</div>' };

const badPatient = {
  resourceType: 'Patient',
  name: [{ family: 'Chalmers', given: ['Peter', ''] }],
  birthDate: '1974-13-25',
  nickname: 'Pete',
};

/** The answer must be 200 with an OperationOutcome; its issues. */
function issuesOf(res: FhirReply): Issue[] {
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.resourceType, 'OperationOutcome', res.text);
  return res.body.issue;
}

function assertAllOk(res: FhirReply) {
  assert.deepEqual(issuesOf(res).map((i) => [i.severity, i.diagnostics]), [['information', 'All OK']]);
}

for (const driver of drivers) {
  describe(`FHIR $validate (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    before(async () => {
      portico = await startPortico(driver);
      fhir = fhirClient(portico.app);
    });
    after(() => portico.stop());

    /** Every Patient stored; the answer must be a searchset. */
    const storedPatients = async () => {
      const res = await fhir.get('Patient');
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.type, 'searchset');
      return (res.body.entry ?? []).length as number;
    };

    it('answers All OK for a valid resource, storing nothing', async () => {
      assertAllOk(await fhir.post('Patient/$validate', { resourceType: 'Patient', text: NARRATIVE, gender: 'male', birthDate: '1974-12-25' }));
      assert.equal(await storedPatients(), 0);
    });

    it('answers 200 with every error at its FHIRPath for an invalid resource, storing nothing', async () => {
      const issues = issuesOf(await fhir.post('Patient/$validate', badPatient));
      assert.ok(issues.every((i) => i.severity === 'error'));
      assert.deepEqual(issues.flatMap((i) => i.expression ?? []).sort(), ['Patient.birthDate', 'Patient.name[0].given[1]', 'Patient.nickname']);
      assert.equal(await storedPatients(), 0);
    });

    it('takes a Parameters with resource, mode and profile', async () => {
      const patient = { resourceType: 'Patient', text: NARRATIVE, gender: 'male' };
      const parameters = (mode: string, resource: Record<string, unknown>) => ({
        resourceType: 'Parameters',
        parameter: [{ name: 'resource', resource }, { name: 'mode', valueCode: mode }, { name: 'profile', valueUri: 'http://hl7.org/fhir/StructureDefinition/Patient' }],
      });
      assertAllOk(await fhir.post('Patient/$validate', parameters('create', patient)));
      // mode=update: the resource must carry its id, equal to the URL's.
      const missingId = issuesOf(await fhir.post('Patient/$validate', parameters('update', patient)));
      assert.deepEqual(missingId.map((i) => [i.severity, i.code, i.expression]), [['error', 'required', ['Patient.id']]]);
      assertAllOk(await fhir.post('Patient/vo-1/$validate', parameters('update', { ...patient, id: 'vo-1' })));
      const mismatch = issuesOf(await fhir.post('Patient/vo-1/$validate', parameters('update', { ...patient, id: 'vo-2' })));
      assert.deepEqual(mismatch.map((i) => i.expression), [['Patient.id']]);
      const badMode = await fhir.post('Patient/$validate', parameters('upsert', patient));
      assert.equal(badMode.status, 400, badMode.text);
      assert.equal(await storedPatients(), 0);
    });

    it('validates the stored resource by GET on the instance, and answers mode=delete by its existence', async () => {
      assert.equal((await fhir.put('Patient/vs-1', { resourceType: 'Patient', text: NARRATIVE, id: 'vs-1', gender: 'female' })).status, 201);
      assertAllOk(await fhir.get('Patient/vs-1/$validate'));
      assertAllOk(await fhir.get('Patient/vs-1/$validate?mode=update'));
      assert.equal((await fhir.get('Patient/vs-missing/$validate')).status, 404);
      assertAllOk(await fhir.post('Patient/vs-1/$validate', { resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'delete' }] }));
      const missing = issuesOf(await fhir.get('Patient/vs-missing/$validate?mode=delete'));
      assert.deepEqual(missing.map((i) => [i.severity, i.code]), [['error', 'not-found']]);
      // Nothing stored, nothing changed.
      assert.equal((await fhir.get('Patient/vs-1')).body.meta.versionId, '1');
    });

    it('refuses a body that is not a resource, or not of the URL type, with 400', async () => {
      assertAllOk(await fhir.post('Observation/$validate', { resourceType: 'Observation', text: NARRATIVE, status: 'final', code: { text: 'x' } }));
      for (const body of [[badPatient], { name: [{ family: 'X' }] }, { resourceType: 'Nonsense' }, { resourceType: 'Parameters', parameter: [{ name: 'mode', valueCode: 'create' }] }]) {
        const res = await fhir.post('Patient/$validate', body);
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.resourceType, 'OperationOutcome');
      }
      assert.equal((await fhir.post('Patient/$validate', { resourceType: 'Observation', status: 'final', code: { text: 'x' } })).status, 400);
      assert.equal((await fhir.get('Patient/$validate')).status, 400);
    });

    it('runs inside a batch', async () => {
      const before = await storedPatients();
      const res = await fhir.post('', {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: { resourceType: 'Patient', text: NARRATIVE, gender: 'male' }, request: { method: 'POST', url: 'Patient/$validate' } },
          { resource: badPatient, request: { method: 'POST', url: 'Patient/$validate' } },
        ],
      });
      assert.equal(res.status, 200, res.text);
      const [ok, bad] = res.body.entry;
      assert.equal(ok.response.status, '200 OK');
      // A batch answers an entry's OperationOutcome in its response.outcome.
      assert.equal(ok.response.outcome.issue[0].diagnostics, 'All OK');
      assert.equal(bad.response.status, '200 OK');
      assert.equal(bad.response.outcome.issue.length, 3);
      assert.equal(await storedPatients(), before);
    });
  });
}
