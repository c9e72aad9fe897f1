import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fhirClient, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

/**
 * Resource budgets: batch/transaction Bundles and strings have a size cap.
 */

const MB = 1024 * 1024;

type Json = Record<string, unknown>;
const bundle = (type: 'batch' | 'transaction', entry: unknown[]) => ({ resourceType: 'Bundle', type, entry });
const patientEntry = (family: string, extra: Json = {}) => ({ resource: { resourceType: 'Patient', name: [{ family }], ...extra }, request: { method: 'POST', url: 'Patient' } });

/** How many Patients match a search (its count, which must be answered). */
async function countOf(fhir: FhirClient, query: string): Promise<number> {
  const res = await fhir.get(`Patient?${query ? `${query}&` : ''}_summary=count`);
  assert.equal(res.status, 200, res.text);
  return Number(res.body.total);
}

for (const driver of drivers) {
  describe(`resource budgets: Bundle and string caps (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    before(async () => {
      portico = await startPortico(driver);
      fhir = fhirClient(portico.app);
    });
    after(() => portico.stop());

    it('a batch or transaction of 1,001 entries is refused whole (413 too-costly) before any write; 1,000 go through', async () => {
      const entries = (n: number, family: string) => Array.from({ length: n }, () => patientEntry(family));
      const accepted = await fhir.post('', bundle('transaction', entries(1000, 'Thousand')));
      assert.equal(accepted.status, 200, accepted.text.slice(0, 500));
      assert.equal(accepted.body.entry.length, 1000);
      assert.ok(accepted.body.entry.every((e: { response: { status: string } }) => e.response.status === '201 Created'));
      assert.equal(await countOf(fhir, 'family=Thousand'), 1000);

      for (const type of ['transaction', 'batch'] as const) {
        const refused = await fhir.post('', bundle(type, entries(1001, `Refused-${type}`)));
        assert.equal(refused.status, 413, refused.text.slice(0, 500));
        assert.equal(refused.body.resourceType, 'OperationOutcome');
        assert.equal(refused.body.issue[0].code, 'too-costly');
        assert.deepEqual(refused.body.issue[0].expression, ['Bundle.entry']);
        assert.match(refused.body.issue[0].diagnostics, /at most 1000 entries; this one holds 1001/);
        assert.equal(await countOf(fhir, `family=Refused-${type}`), 0, `nothing of the ${type} was written`);
      }
    });

    it('a string over 1 MB (1,048,576 bytes of UTF-8) is refused with 422 too-long naming its element; 1 MB exactly is stored', async () => {
      const exact = 'a'.repeat(MB);
      const over = 'a'.repeat(MB + 1);
      // Two-byte characters: the cap counts bytes, not characters.
      const exactWide = 'é'.repeat(MB / 2);
      const overWide = 'é'.repeat(MB / 2 + 1);
      const patient = (id: string | undefined, family: string, extra: Json = {}) => ({ resourceType: 'Patient', ...(id ? { id } : {}), identifier: [{ system: 'urn:budget', value: id ?? 'new' }], name: [{ family }], ...extra });
      const assertTooLong = (res: FhirReply, expression: string) => {
        assert.equal(res.status, 422, res.text.slice(0, 500));
        const issue = res.body.issue.find((i: { code: string }) => i.code === 'too-long');
        assert.ok(issue, res.text.slice(0, 500));
        assert.deepEqual(issue.expression, [expression]);
        assert.match(issue.diagnostics, /1,048,576/);
      };

      // Positive controls: exactly 1 MB, in one- and two-byte characters.
      const stored = await fhir.put('Patient/budget-exact', patient('budget-exact', exact));
      assert.equal(stored.status, 201, stored.text.slice(0, 300));
      assert.equal((await fhir.get('Patient/budget-exact')).body.name[0].family.length, MB);
      assert.equal((await fhir.put('Patient/budget-wide', patient('budget-wide', exactWide))).status, 201);

      assertTooLong(await fhir.post('Patient', patient(undefined, over)), 'Patient.name[0].family');
      assertTooLong(await fhir.post('Patient', patient(undefined, overWide)), 'Patient.name[0].family');
      assertTooLong(await fhir.post('Patient', patient(undefined, 'Ext', { extension: [{ url: 'urn:budget:note', valueString: over }] })), 'Patient.extension[0].value.ofType(string)');
      // Update, conditional update and conditional create.
      assertTooLong(await fhir.put('Patient/budget-exact', patient('budget-exact', over)), 'Patient.name[0].family');
      assertTooLong(await fhir.put('Patient?identifier=urn:budget|budget-exact', patient(undefined, over)), 'Patient.name[0].family');
      assertTooLong(await fhir.post('Patient', patient(undefined, over), { 'if-none-exist': 'identifier=urn:budget|none' }), 'Patient.name[0].family');
      // Narrative is held as a string too; binary content (base64Binary) is bounded by MAX_BODY_BYTES alone.
      const div = `<div xmlns="http://www.w3.org/1999/xhtml">${'a'.repeat(MB)}</div>`;
      assertTooLong(await fhir.post('Patient', patient(undefined, 'Narrated', { text: { status: 'generated', div } })), 'Patient.text.div');
      const binary = await fhir.post('Binary', { resourceType: 'Binary', contentType: 'application/octet-stream', data: 'QUJD'.repeat(MB / 2) });
      assert.equal(binary.status, 201, binary.text.slice(0, 300));
      const current = await fhir.get('Patient/budget-exact');
      assert.equal(current.body.meta.versionId, '1', 'the refused updates changed nothing');
      assert.equal(current.body.name[0].family, exact);

      // A transaction is refused whole and names the entry; a batch refuses the entry and keeps the others.
      const before = await countOf(fhir, 'family=Budget-bundle');
      const transaction = await fhir.post('', bundle('transaction', [patientEntry('Budget-bundle'), { ...patientEntry('Budget-bundle'), resource: patient(undefined, overWide) }]));
      assertTooLong(transaction, 'Patient.name[0].family');
      assert.match(transaction.body.issue[0].diagnostics, /Bundle\.entry\[1\]/);
      assert.equal(await countOf(fhir, 'family=Budget-bundle'), before);
      const batch = await fhir.post('', bundle('batch', [patientEntry('Budget-bundle'), { ...patientEntry('Budget-bundle'), resource: patient(undefined, over) }]));
      assert.equal(batch.status, 200, batch.text.slice(0, 500));
      assert.equal(batch.body.entry[0].response.status, '201 Created');
      assert.match(batch.body.entry[1].response.status, /^422/);
      assert.equal(batch.body.entry[1].response.outcome.issue[0].code, 'too-long');
      assert.deepEqual(batch.body.entry[1].response.outcome.issue[0].expression, ['Patient.name[0].family']);
      assert.equal(await countOf(fhir, 'family=Budget-bundle'), before + 1);
    });
  });

}
