import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

const XHTML = 'http://www.w3.org/1999/xhtml';
const URN_PATIENT = 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a';
const URN_OBSERVATION = 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0';

const narrative = (inner: string) => ({ status: 'generated', div: `<div xmlns="${XHTML}">${inner}</div>` });
const patient = (extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', name: [{ family: 'Chalmers' }], ...extra });
const observation = (subject: string) => ({ resourceType: 'Observation', status: 'final', code: { text: 'weight' }, subject: { reference: subject } });

/** The status, and the FHIRPath of every error, of a refusal. */
function assertRefused(res: FhirReply, status: number, expressions: string[]): string[] {
  assert.equal(res.status, status, res.text);
  assert.equal(res.body.resourceType, 'OperationOutcome', res.text);
  const errors = res.body.issue.filter((i: { severity: string }) => i.severity === 'error');
  assert.deepEqual(errors.flatMap((i: { expression?: string[] }) => i.expression ?? []).sort(), [...expressions].sort(), res.text);
  return errors.map((i: { diagnostics: string }) => i.diagnostics);
}

for (const driver of drivers) {
  describe(`FHIR validation rules over HTTP (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    before(async () => {
      portico = await startPortico(driver);
      fhir = fhirClient(portico.app);
    });
    after(() => portico.stop());

    const count = async (path: string) => {
      const res = await fhir.get(path);
      assert.equal(res.status, 200, res.text);
      return (res.body.entry ?? []).length as number;
    };

    it('refuses a transaction whose entries share a fullUrl, naming both entries, and runs it once they differ', async () => {
      const transaction = (observationUrl: string) => ({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: URN_PATIENT, resource: patient(), request: { method: 'POST', url: 'Patient' } },
          { fullUrl: observationUrl, resource: observation(URN_PATIENT), request: { method: 'POST', url: 'Observation' } },
        ],
      });
      const stored = await count('_history');
      const [diagnostics] = assertRefused(await fhir.post('', transaction(URN_PATIENT)), 400, ['Bundle.entry[1].fullUrl']);
      assert.match(diagnostics ?? '', /Bundle\.entry\[0\] and Bundle\.entry\[1\]/);
      assert.equal(await count('_history'), stored);

      const res = await fhir.post('', transaction(URN_OBSERVATION));
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.entry.map((e: { response: { status: string } }) => e.response.status), ['201 Created', '201 Created']);
      const patientId = res.body.entry[0].resource.id;
      assert.equal(res.body.entry[1].resource.subject.reference, `Patient/${patientId}`);
    });

    it('refuses a Patient whose narrative holds a script or an event attribute, and accepts it without them', async () => {
      assertRefused(await fhir.post('Patient', patient({ text: narrative('<p>Amy</p><script>alert(1)</script>') })), 422, ['Patient.text.div']);
      assertRefused(await fhir.post('Patient', patient({ text: narrative('<p onmouseover="alert(1)">Amy</p>') })), 422, ['Patient.text.div']);
      const created = await fhir.post('Patient', patient({ text: narrative('<p>Amy</p>') }));
      assert.equal(created.status, 201, created.text);

      const id = created.body.id as string;
      const update = await fhir.put(`Patient/${id}`, patient({ id, text: narrative('<a href="javascript:alert(1)">Amy</a>') }));
      assertRefused(update, 422, ['Patient.text.div']);
      const read = await fhir.get(`Patient/${id}`);
      assert.equal(read.status, 200);
      assert.equal(read.body.meta.versionId, '1');
      const fixed = await fhir.put(`Patient/${id}`, patient({ id, text: narrative('<a href="https://example.org">Amy</a>') }));
      assert.equal(fixed.status, 200, fixed.text);
    });

    it('refuses a transaction one of whose entries has a script in its narrative, writing nothing', async () => {
      const transaction = (inner: string) => ({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: URN_PATIENT, resource: patient({ text: narrative(inner) }), request: { method: 'POST', url: 'Patient' } },
          { fullUrl: URN_OBSERVATION, resource: observation(URN_PATIENT), request: { method: 'POST', url: 'Observation' } },
        ],
      });
      const stored = await count('_history');
      const refused = await fhir.post('', transaction('<script>alert(1)</script>x'));
      assert.equal(refused.status, 422, refused.text);
      assert.match(refused.body.issue[0].diagnostics, /Bundle\.entry\[0\]/);
      assert.equal(await count('_history'), stored);
      assert.equal((await fhir.post('', transaction('x'))).status, 200);
    });

    it('refuses a reference to a type the element does not allow, or to a contained resource that is not there', async () => {
      assertRefused(await fhir.post('Observation', observation('Medication/m1')), 422, ['Observation.subject.reference']);
      assertRefused(await fhir.post('Observation', observation('#p1')), 422, ['Observation.subject.reference']);
      assert.equal((await fhir.post('Observation', observation('Patient/p1'))).status, 201);
      const contained = { ...observation('#p1'), contained: [{ resourceType: 'Patient', id: 'p1' }] };
      assert.equal((await fhir.post('Observation', contained)).status, 201);
    });

    it('refuses a stored Bundle with a relative fullUrl, and stores it with an absolute one', async () => {
      const collection = (fullUrl: string) => ({ resourceType: 'Bundle', type: 'collection', entry: [{ fullUrl, resource: { resourceType: 'Patient', id: 'p1' } }] });
      assertRefused(await fhir.post('Bundle', collection('Patient/p1')), 422, ['Bundle.entry[0].fullUrl']);
      assertRefused(await fhir.post('Bundle', collection('https://example.org/fhir/Patient/p2')), 422, ['Bundle.entry[0].fullUrl']);
      assert.equal((await fhir.post('Bundle', collection('https://example.org/fhir/Patient/p1'))).status, 201);
    });
  });
}
