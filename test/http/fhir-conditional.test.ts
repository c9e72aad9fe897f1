import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient, type FhirClient } from '../support/fhir-client.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

const MRN = 'http://example.org/mrn';
const patient = (mrn: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'Patient',
  identifier: [{ system: MRN, value: mrn }],
  name: [{ family: 'Chalmers' }],
  ...extra,
});
const criteria = (mrn: string) => `identifier=${encodeURIComponent(`${MRN}|${mrn}`)}`;

for (const driver of drivers) {
  describe(`FHIR conditional create, update and delete (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    before(async () => {
      portico = await startPortico(driver);
      fhir = fhirClient(portico.app);
    });
    after(() => portico.stop());

    const count = async (mrn: string) => (await fhir.get(`Patient?${criteria(mrn)}`)).body.entry.length;

    it('If-None-Exist: creates on no match, returns the match on one, 412 on several', async () => {
      const first = await fhir.post('Patient', patient('ine-1'), { 'if-none-exist': criteria('ine-1') });
      assert.equal(first.status, 201, first.text);
      const again = await fhir.post('Patient', patient('ine-1', { gender: 'male' }), { 'if-none-exist': criteria('ine-1') });
      assert.equal(again.status, 200, again.text);
      assert.equal(again.body.id, first.body.id);
      assert.equal(again.body.gender, undefined);
      assert.equal(await count('ine-1'), 1);

      await fhir.post('Patient', patient('ine-2'));
      await fhir.post('Patient', patient('ine-2'));
      const several = await fhir.post('Patient', patient('ine-2'), { 'if-none-exist': `Patient?${criteria('ine-2')}` });
      assert.equal(several.status, 412, several.text);
      assert.equal(several.body.resourceType, 'OperationOutcome');
      assert.equal(await count('ine-2'), 2);
    });

    it('conditional update: creates on no match, updates the one match, 412 on several', async () => {
      const created = await fhir.put(`Patient?${criteria('cu-1')}`, patient('cu-1'));
      assert.equal(created.status, 201, created.text);
      const id = created.body.id;
      assert.ok(id);
      const updated = await fhir.put(`Patient?${criteria('cu-1')}`, patient('cu-1', { gender: 'female' }));
      assert.equal(updated.status, 200, updated.text);
      assert.equal(updated.body.id, id);
      assert.equal(updated.body.meta.versionId, '2');
      assert.equal((await fhir.get(`Patient/${id}`)).body.gender, 'female');

      await fhir.post('Patient', patient('cu-2'));
      await fhir.post('Patient', patient('cu-2'));
      const several = await fhir.put(`Patient?${criteria('cu-2')}`, patient('cu-2', { gender: 'male' }));
      assert.equal(several.status, 412, several.text);
      assert.equal(await count('cu-2'), 2);
    });

    it('conditional delete: 204 on no match, deletes the one match, 412 on several', async () => {
      assert.equal((await fhir.delete(`Patient?${criteria('cd-0')}`)).status, 204);
      const one = await fhir.post('Patient', patient('cd-1'));
      const deleted = await fhir.delete(`Patient?${criteria('cd-1')}`);
      assert.equal(deleted.status, 204, deleted.text);
      assert.equal((await fhir.get(`Patient/${one.body.id}`)).status, 410);

      const a = await fhir.post('Patient', patient('cd-2'));
      const b = await fhir.post('Patient', patient('cd-2'));
      const several = await fhir.delete(`Patient?${criteria('cd-2')}`);
      assert.equal(several.status, 412, several.text);
      assert.equal((await fhir.get(`Patient/${a.body.id}`)).status, 200);
      assert.equal((await fhir.get(`Patient/${b.body.id}`)).status, 200);
    });

    it('transaction: conditional create and conditional references resolve to existing resources', async () => {
      const existing = await fhir.post('Patient', patient('tx-c-1'));
      const res = await fhir.post('', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:pat', resource: patient('tx-c-1'), request: { method: 'POST', url: 'Patient', ifNoneExist: criteria('tx-c-1') } },
          { fullUrl: 'urn:uuid:new', resource: patient('tx-c-2'), request: { method: 'POST', url: 'Patient', ifNoneExist: criteria('tx-c-2') } },
          { resource: { resourceType: 'Observation', status: 'final', code: { text: 'a' }, subject: { reference: 'urn:uuid:pat' } }, request: { method: 'POST', url: 'Observation' } },
          { resource: { resourceType: 'Observation', status: 'final', code: { text: 'b' }, subject: { reference: 'urn:uuid:new' } }, request: { method: 'POST', url: 'Observation' } },
          { resource: { resourceType: 'Observation', status: 'final', code: { text: 'c' }, subject: { reference: `Patient?${criteria('tx-c-1')}` } }, request: { method: 'POST', url: 'Observation' } },
        ],
      });
      assert.equal(res.status, 200, res.text);
      const [pat, created, obsA, obsB, obsC] = res.body.entry;
      assert.equal(pat.response.status, '200 OK');
      assert.equal(pat.resource.id, existing.body.id);
      assert.equal(created.response.status, '201 Created');
      assert.equal(obsA.resource.subject.reference, `Patient/${existing.body.id}`);
      assert.equal(obsB.resource.subject.reference, `Patient/${created.resource.id}`);
      assert.equal(obsC.resource.subject.reference, `Patient/${existing.body.id}`);
      assert.equal(await count('tx-c-1'), 1);
      assert.equal(await count('tx-c-2'), 1);
    });

    it('transaction: a conditional reference with no match or several matches fails the whole transaction', async () => {
      await fhir.post('Patient', patient('tx-c-many'));
      await fhir.post('Patient', patient('tx-c-many'));
      for (const [mrn, status] of [['tx-c-none', 400], ['tx-c-many', 412]] as const) {
        const res = await fhir.post('', {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { resource: patient('tx-c-side-effect'), request: { method: 'POST', url: 'Patient' } },
            { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: `Patient?${criteria(mrn)}` } }, request: { method: 'POST', url: 'Observation' } },
          ],
        });
        assert.equal(res.status, status, `${mrn}: ${res.text}`);
        assert.match(res.body.issue[0].diagnostics, /Bundle\.entry\[1\]/);
        assert.equal(await count('tx-c-side-effect'), 0);
      }
    });

    it('transaction: conditional update of a placeholder entry gives references its id', async () => {
      const res = await fhir.post('', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:cu', resource: patient('tx-cu-1'), request: { method: 'PUT', url: `Patient?${criteria('tx-cu-1')}` } },
          { resource: { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference: 'urn:uuid:cu' } }, request: { method: 'POST', url: 'Observation' } },
        ],
      });
      assert.equal(res.status, 200, res.text);
      const [pat, obs] = res.body.entry;
      assert.equal(pat.response.status, '201 Created');
      assert.equal(obs.resource.subject.reference, `Patient/${pat.resource.id}`);
    });
  });
}
