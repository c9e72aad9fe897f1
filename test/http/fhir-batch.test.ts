import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient, type FhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const patient = (extra: Record<string, unknown> = {}) => ({ resourceType: 'Patient', name: [{ family: 'Chalmers' }], ...extra });
const observation = (subject: string) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { text: 'weight' },
  subject: { reference: subject },
  performer: [{ reference: subject }],
});
const bundle = (type: string, entry: unknown[]) => ({ resourceType: 'Bundle', type, entry });

for (const driver of drivers) {
  describe(`FHIR batch and transaction (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    before(async () => {
      portico = await startPortico(driver);
      fhir = fhirClient(portico.app);
    });
    after(() => portico.stop());

    it('resolves urn:uuid references to the server ids of POSTed entries', async () => {
      const pUrn = 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a';
      const res = await fhir.post('', bundle('transaction', [
        // The Observation comes first: references are resolved whatever the order.
        { fullUrl: 'urn:uuid:0c3151bd-1cbf-4d64-b04d-cd9187a4c6e0', resource: observation(pUrn), request: { method: 'POST', url: 'Observation' } },
        { fullUrl: pUrn, resource: patient({ text: { status: 'generated', div: `<div xmlns="http://www.w3.org/1999/xhtml"><a href="${pUrn}">x</a></div>` } }), request: { method: 'POST', url: 'Patient' } },
      ]));
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.type, 'transaction-response');
      assert.equal(res.body.entry.length, 2);
      const [obsEntry, patEntry] = res.body.entry;
      assert.equal(obsEntry.response.status, '201 Created');
      assert.equal(patEntry.response.status, '201 Created');
      assert.equal(obsEntry.resource.resourceType, 'Observation');
      assert.equal(patEntry.resource.resourceType, 'Patient');
      const patientId = patEntry.resource.id;
      assert.equal(patEntry.response.location, `Patient/${patientId}/_history/1`);
      assert.equal(patEntry.response.etag, 'W/"1"');
      assert.ok(patEntry.response.lastModified);
      assert.equal(patEntry.fullUrl, `${TEST_BASE_URL}/fhir/Patient/${patientId}`);

      const obs = await fhir.get(`Observation/${obsEntry.resource.id}`);
      assert.equal(obs.status, 200);
      assert.equal(obs.body.subject.reference, `Patient/${patientId}`);
      assert.equal(obs.body.performer[0].reference, `Patient/${patientId}`);
      const pat = await fhir.get(`Patient/${patientId}`);
      assert.equal(pat.status, 200);
      assert.match(pat.body.text.div, new RegExp(`href="Patient/${patientId}"`));
    });

    it('writes nothing when the last entry fails, and says which entry failed', async () => {
      const count = async (path: string) => (await fhir.get(path)).body.entry.length;
      const before = [await count('_history'), await count('Observation'), await count('Patient')];
      const res = await fhir.post('', bundle('transaction', [
        { fullUrl: 'urn:uuid:a1', resource: patient({ id: 'ignored' }), request: { method: 'POST', url: 'Patient' } },
        { resource: patient({ id: 'tx-rollback-1' }), request: { method: 'PUT', url: 'Patient/tx-rollback-1' } },
        { resource: observation('urn:uuid:a1'), request: { method: 'POST', url: 'Observation' } },
        { resource: patient({ id: 'tx-rollback-2' }), request: { method: 'PUT', url: 'Patient/tx-rollback-2', ifMatch: 'W/"4"' } },
      ]));
      assert.equal(res.status, 412, res.text);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.match(res.body.issue[0].diagnostics, /Bundle\.entry\[3\] \(PUT Patient\/tx-rollback-2\)/);
      assert.equal((await fhir.get('Patient/tx-rollback-1')).status, 404);
      assert.equal((await fhir.get('Patient/tx-rollback-1/_history')).status, 404);
      assert.deepEqual([await count('_history'), await count('Observation'), await count('Patient')], before);
    });

    it('processes DELETE, then POST, then PUT, then GET, answering in the original order', async () => {
      await fhir.put('Patient/order-gone', patient({ id: 'order-gone' }));
      const start = (await fhir.get('_history?_count=1')).body.entry[0].response.lastModified;
      const res = await fhir.post('', bundle('transaction', [
        { request: { method: 'GET', url: 'Patient/order-put' } },
        { resource: patient({ id: 'order-put' }), request: { method: 'PUT', url: 'Patient/order-put' } },
        { resource: patient(), request: { method: 'POST', url: 'Patient' } },
        { request: { method: 'DELETE', url: 'Patient/order-gone' } },
      ]));
      assert.equal(res.status, 200, res.text);
      assert.deepEqual(res.body.entry.map((e: { response: { status: string } }) => e.response.status), ['200 OK', '201 Created', '201 Created', '204 No Content']);
      // The GET saw the PUT although it came first.
      assert.equal(res.body.entry[0].resource.id, 'order-put');
      const history = await fhir.get(`_history?_since=${encodeURIComponent(start)}`);
      const methods = history.body.entry.map((e: { request: { method: string } }) => e.request.method).reverse();
      assert.deepEqual(methods.slice(-3), ['DELETE', 'POST', 'PUT']);
    });

    it('reads history inside a transaction, seeing its own writes', async () => {
      const res = await fhir.post('', bundle('transaction', [
        { resource: patient({ id: 'tx-history' }), request: { method: 'PUT', url: 'Patient/tx-history' } },
        { request: { method: 'GET', url: 'Patient/tx-history/_history' } },
      ]));
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.entry[1].resource.type, 'history');
      assert.equal(res.body.entry[1].resource.entry.length, 1);
    });

    it('refuses a transaction that writes one resource twice', async () => {
      const res = await fhir.post('', bundle('transaction', [
        { resource: patient({ id: 'twice' }), request: { method: 'PUT', url: 'Patient/twice' } },
        { request: { method: 'DELETE', url: 'Patient/twice' } },
      ]));
      assert.equal(res.status, 400, res.text);
      assert.equal((await fhir.get('Patient/twice')).status, 404);
    });

    it('fails the whole transaction when a GET entry fails', async () => {
      const res = await fhir.post('', bundle('transaction', [
        { resource: patient({ id: 'tx-get-fails' }), request: { method: 'PUT', url: 'Patient/tx-get-fails' } },
        { request: { method: 'GET', url: 'Patient/never-there' } },
      ]));
      assert.equal(res.status, 404);
      assert.match(res.body.issue[0].diagnostics, /Bundle\.entry\[1\]/);
      assert.equal((await fhir.get('Patient/tx-get-fails')).status, 404);
    });

    it('accepts absolute request URLs on the FHIR base and honours Prefer: return=minimal', async () => {
      const res = await fhir.post('', bundle('transaction', [
        { resource: patient({ id: 'abs-url' }), request: { method: 'PUT', url: `${TEST_BASE_URL}/fhir/Patient/abs-url` } },
      ]), { prefer: 'return=minimal' });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.entry[0].resource, undefined);
      assert.equal(res.body.entry[0].response.status, '201 Created');
      assert.equal(res.body.entry[0].response.location, 'Patient/abs-url/_history/1');
    });

    it('runs batch entries independently: a failing entry does not stop the others', async () => {
      await fhir.put('Patient/batch-existing', patient({ id: 'batch-existing' }));
      const res = await fhir.post('', bundle('batch', [
        { resource: patient({ id: 'batch-ok' }), request: { method: 'PUT', url: 'Patient/batch-ok' } },
        { resource: patient({ id: 'other' }), request: { method: 'PUT', url: 'Patient/batch-mismatch' } },
        { request: { method: 'GET', url: 'Patient/batch-existing' } },
        { request: { method: 'GET', url: 'Patient/batch-missing' } },
        { request: { method: 'GET', url: 'Patient?_count=1' } },
        { request: { method: 'DELETE', url: 'Patient/batch-existing' } },
      ]));
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.type, 'batch-response');
      const statuses = res.body.entry.map((e: { response: { status: string } }) => e.response.status);
      assert.deepEqual(statuses, ['201 Created', '400 Bad Request', '200 OK', '404 Not Found', '200 OK', '204 No Content']);
      assert.equal(res.body.entry[1].response.outcome.resourceType, 'OperationOutcome');
      assert.equal(res.body.entry[2].resource.id, 'batch-existing');
      assert.equal(res.body.entry[2].fullUrl, `${TEST_BASE_URL}/fhir/Patient/batch-existing`);
      assert.equal(res.body.entry[4].resource.type, 'searchset');
      assert.equal((await fhir.get('Patient/batch-ok')).status, 200);
      assert.equal((await fhir.get('Patient/batch-mismatch')).status, 404);
      assert.equal((await fhir.get('Patient/batch-existing')).status, 410);
    });

    it('refuses malformed bundles with 400', async () => {
      const cases: [string, unknown][] = [
        ['not a bundle', patient()],
        ['collection', bundle('collection', [])],
        ['entry not an object', bundle('batch', [1])],
        ['no request', bundle('transaction', [{ resource: patient() }])],
        ['no url', bundle('transaction', [{ resource: patient(), request: { method: 'POST' } }])],
        ['bad method', bundle('batch', [{ request: { method: 'FETCH', url: 'Patient' } }])],
        ['POST without resource', bundle('transaction', [{ request: { method: 'POST', url: 'Patient' } }])],
        ['PUT without resource', bundle('batch', [{ request: { method: 'PUT', url: 'Patient/x' } }])],
        ['nested', bundle('batch', [{ resource: bundle('batch', []), request: { method: 'POST', url: '/' } }])],
        ['foreign base', bundle('batch', [{ request: { method: 'GET', url: 'http://elsewhere.test/fhir/Patient/1' } }])],
        ['duplicate fullUrl', bundle('transaction', [
          { fullUrl: 'urn:uuid:d', resource: patient(), request: { method: 'POST', url: 'Patient' } },
          { fullUrl: 'urn:uuid:d', resource: patient(), request: { method: 'POST', url: 'Patient' } },
        ])],
      ];
      for (const [name, body] of cases) {
        const res = await fhir.post('', body);
        assert.equal(res.status, 400, `${name}: ${res.text}`);
        assert.equal(res.body.resourceType, 'OperationOutcome', name);
      }
    });

    it('answers an empty transaction with an empty response', async () => {
      const res = await fhir.post('', bundle('transaction', []));
      assert.equal(res.status, 200);
      assert.deepEqual(res.body.entry, []);
    });
  });
}
