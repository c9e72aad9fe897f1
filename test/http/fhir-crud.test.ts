import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient, type FhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const patient = { resourceType: 'Patient', name: [{ family: 'Chalmers', given: ['Peter'] }], gender: 'male', birthDate: '1974-12-25' };

for (const driver of drivers) {
  describe(`FHIR read/create/update/delete (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    before(async () => {
      portico = await startPortico(driver);
      fhir = fhirClient(portico.app);
    });
    after(() => portico.stop());

    it('creates with a server-assigned id, ignoring the id in the body', async () => {
      const res = await fhir.post('Patient', { ...patient, id: 'client-chosen' });
      assert.equal(res.status, 201);
      assert.notEqual(res.body.id, 'client-chosen');
      assert.match(res.body.id, /^[0-9a-f-]{36}$/);
      assert.equal(res.body.meta.versionId, '1');
      assert.equal(res.headers.location, `${TEST_BASE_URL}/fhir/Patient/${res.body.id}/_history/1`);
      assert.equal(res.headers.etag, 'W/"1"');
      assert.ok(res.headers['last-modified']);
      assert.match(String(res.headers['content-type']), /^application\/fhir\+json/);
    });

    it('reads, updates with a new version, vreads both, deletes then answers 410', async () => {
      const created = await fhir.post('Patient', patient);
      const id = created.body.id;
      const read = await fhir.get(`Patient/${id}`);
      assert.equal(read.status, 200);
      assert.deepEqual(read.body.name, patient.name);

      const updated = await fhir.put(`Patient/${id}`, { ...patient, id, gender: 'other' });
      assert.equal(updated.status, 200);
      assert.equal(updated.body.meta.versionId, '2');
      assert.equal(updated.headers.etag, 'W/"2"');

      const v1 = await fhir.get(`Patient/${id}/_history/1`);
      assert.equal(v1.status, 200);
      assert.equal(v1.body.gender, 'male');
      assert.equal((await fhir.get(`Patient/${id}/_history/2`)).body.gender, 'other');
      assert.equal((await fhir.get(`Patient/${id}/_history/9`)).status, 404);

      const del = await fhir.delete(`Patient/${id}`);
      assert.equal(del.status, 204);
      const gone = await fhir.get(`Patient/${id}`);
      assert.equal(gone.status, 410);
      assert.equal(gone.body.resourceType, 'OperationOutcome');
      assert.equal((await fhir.get(`Patient/${id}/_history/3`)).status, 410);
      // Deleting again is idempotent.
      assert.equal((await fhir.delete(`Patient/${id}`)).status, 204);
    });

    it('update-as-create answers 201 with the client id', async () => {
      const res = await fhir.put('Patient/test-pt-create', { ...patient, id: 'test-pt-create' });
      assert.equal(res.status, 201);
      assert.equal(res.body.id, 'test-pt-create');
      assert.equal((await fhir.get('Patient/test-pt-create')).status, 200);
    });

    it('refuses an update whose body id differs from the URL', async () => {
      const res = await fhir.put('Patient/a1', { ...patient, id: 'b2' });
      assert.equal(res.status, 400);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.equal((await fhir.get('Patient/a1')).status, 404);
    });

    it('checks If-Match: the current ETag updates and deletes, a stale one is 412 and changes nothing', async () => {
      const created = await fhir.post('Patient', patient);
      const id = created.body.id;
      const first = String(created.headers.etag);
      assert.equal(first, 'W/"1"');
      // The control: the ETag the server gave is current, so the update applies.
      const updated = await fhir.put(`Patient/${id}`, { ...patient, id, gender: 'other' }, { 'if-match': first });
      assert.equal(updated.status, 200, updated.text);
      assert.equal(updated.body.meta.versionId, '2');
      const current = String(updated.headers.etag);
      assert.equal(current, 'W/"2"');

      // Version 1's ETag is stale now; a version that never existed is no better.
      for (const stale of [first, 'W/"7"']) {
        const put = await fhir.put(`Patient/${id}`, { ...patient, id, gender: 'female' }, { 'if-match': stale });
        assert.equal(put.status, 412, `${stale}: ${put.text}`);
        assert.equal(put.body.resourceType, 'OperationOutcome');
        const del = await fhir.delete(`Patient/${id}`, { 'if-match': stale });
        assert.equal(del.status, 412, `${stale}: ${del.text}`);
        assert.equal(del.body.resourceType, 'OperationOutcome');
      }
      const unchanged = await fhir.get(`Patient/${id}`);
      assert.equal(unchanged.status, 200);
      assert.equal(unchanged.headers.etag, current);
      assert.equal(unchanged.body.meta.versionId, '2');
      assert.equal(unchanged.body.gender, 'other');

      // The current ETag deletes.
      assert.equal((await fhir.delete(`Patient/${id}`, { 'if-match': current })).status, 204);
      assert.equal((await fhir.get(`Patient/${id}`)).status, 410);
    });

    it('honours Prefer: return=minimal and return=OperationOutcome', async () => {
      const minimal = await fhir.post('Patient', patient, { prefer: 'return=minimal' });
      assert.equal(minimal.status, 201);
      assert.equal(minimal.text, '');
      assert.ok(minimal.headers.location);
      const oo = await fhir.post('Patient', patient, { prefer: 'return=OperationOutcome' });
      assert.equal(oo.status, 201);
      assert.equal(oo.body.resourceType, 'OperationOutcome');
    });

    it('answers a conditional read with 304', async () => {
      const created = await fhir.post('Patient', patient);
      const res = await fhir.get(`Patient/${created.body.id}`, { 'if-none-match': 'W/"1"' });
      assert.equal(res.status, 304);
    });

    it('answers bad input with an OperationOutcome, never a 500', async () => {
      const cases: [string, () => Promise<{ status: number; body: { resourceType?: string } }>, number][] = [
        ['unknown type', () => fhir.get('Unicorn/1'), 404],
        ['unknown read', () => fhir.get('Patient/does-not-exist'), 404],
        ['malformed JSON', () => fhir.post('Patient', '{"resourceType": "Patient",'), 400],
        ['not an object', () => fhir.post('Patient', '[1,2]'), 400],
        ['type mismatch', () => fhir.post('Patient', { resourceType: 'Observation' }), 400],
        ['deep nesting', () => fhir.post('Patient', '['.repeat(5000) + ']'.repeat(5000)), 400],
        ['duplicate key', () => fhir.post('Patient', '{"resourceType":"Patient","resourceType":"Observation"}'), 400],
        ['escaped duplicate key', () => fhir.post('Patient', '{"resourceType":"Patient","gender":"male","\\u0067ender":"x"}'), 400],
        ['__proto__ key', () => fhir.post('Patient', '{"resourceType":"Patient","__proto__":{"polluted":1}}'), 400],
        ['constructor key', () => fhir.post('Patient', '{"resourceType":"Patient","constructor":{"prototype":{"polluted":1}}}'), 400],
        ['too many query parameters', () => fhir.get(`Patient?${'a=1&'.repeat(300)}`), 400],
        ['xml requested', () => fhir.get('Patient?_format=xml'), 406],
        ['wrong method', () => fhir.request('PATCH', 'metadata'), 405],
        ['conditional patch without criteria', () => fhir.request('PATCH', 'Patient', [], { 'content-type': 'application/json-patch+json' }), 400],
        ['malformed URL', () => fhir.get('Patient/%E0%A4%A'), 400],
        ['unsupported media type', () => fhir.request('POST', 'Patient', 'x', { 'content-type': 'text/plain' }), 415],
      ];
      for (const [name, call, status] of cases) {
        const res = await call();
        assert.equal(res.status, status, name);
        assert.equal(res.body.resourceType, 'OperationOutcome', name);
      }
    });

    it('refuses a body over the size limit with 413', async () => {
      const big = await startPortico(driver, { MAX_BODY_BYTES: '2048' });
      try {
        const res = await fhirClient(big.app).post('Patient', { ...patient, text: { status: 'generated', div: 'x'.repeat(5000) } });
        assert.equal(res.status, 413);
        assert.equal(res.body.resourceType, 'OperationOutcome');
      } finally {
        await big.stop();
      }
    });

    it('answers HEAD like GET without a body', async () => {
      const res = await portico.app.inject({ method: 'HEAD', url: '/fhir/metadata' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.body, '');
    });

    it('serves /health and /ready', async () => {
      assert.equal((await portico.app.inject('/health')).statusCode, 200);
      const ready = await portico.app.inject('/ready');
      assert.equal(ready.statusCode, 200);
      assert.equal(ready.json().status, 'ready');
    });
  });
}
