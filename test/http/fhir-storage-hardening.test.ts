import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { seedSandboxUsers } from '../../src/auth/users/sandbox-users.ts';
import { adminHttp } from '../auth/support/admin-http.ts';
import { fhirClient, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { csrfTokenIn } from './login-support.ts';

/**
 * FHIR data and its storage under hostile or unlucky input: a patient-confined token writes only into its own
 * patient's record; values of any valid length are indexed (never a 500 from PostgreSQL's B-tree limit) and
 * still found by an exact search; a sign-in throttling key of any length is counted.
 */

const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const ME = 'test-pt-1';
const OTHER = 'pt-00002';
const PATIENT_LOGIN = { email: 'patient@sandbox.portico.test', password: 'sandbox-patient-password' };

type Json = Record<string, unknown>;

/** Incompressible letters and digits, so PostgreSQL cannot shrink an index entry made of them. */
const randomText = (n: number) => randomBytes(n).toString('base64').replace(/[^A-Za-z0-9]/g, 'x').slice(0, n);
const randomLetters = (n: number) => randomBytes(n * 2).toString('base64').replace(/[^A-Za-z]/g, '').slice(0, n);

function assertForbidden(res: FhirReply): void {
  assert.equal(res.status, 403, res.text);
  assert.equal(res.body.resourceType, 'OperationOutcome');
  assert.equal(res.body.issue[0].code, 'forbidden');
}

/** The ids a search matches (it must answer 200). */
async function idsOf(fhir: FhirClient, query: string): Promise<string[]> {
  const res = await fhir.get(query);
  assert.equal(res.status, 200, res.text.slice(0, 500));
  return ((res.body.entry ?? []) as { resource: { id: string } }[]).map((e) => e.resource.id).sort();
}

const observation = (subject: string, performers: string[] = [], extra: Json = {}) => ({
  resourceType: 'Observation',
  status: 'final',
  code: { coding: [{ system: 'http://loinc.org', code: '2708-6' }] },
  subject: { reference: subject },
  ...(performers.length > 0 ? { performer: performers.map((reference) => ({ reference })) } : {}),
  ...extra,
});

for (const driver of drivers) {
  describe(`a patient-confined token writes only into its own patient's record (${driver})`, () => {
    let portico: TestPortico;
    let root: FhirClient;
    const tokens: [string, FhirClient][] = [];
    let shared = '';

    before(async () => {
      portico = await startPortico(driver, { BULK_EXPORT_WORKER: 'false' });
      root = fhirClient(portico.app);
      for (const id of [ME, OTHER]) assert.equal((await root.put(`Patient/${id}`, { resourceType: 'Patient', id, name: [{ family: id }] })).status, 201);
      await seedSandboxUsers(portico.auth.users);
      const admin = adminHttp(portico.app);
      const put = await admin('PUT', '/Client/wide-app', {
        body: {
          resourceType: 'Client', active: true, name: 'Wide App', type: 'smart-app', grant_types: ['authorization_code', 'refresh_token'],
          auth: { authorization_code: { redirect_uri: 'http://wide.example/cb', refresh_token: true, secret_required: false, pkce: true } },
        },
      });
      assert.ok(put.status === 201 || put.status === 200, put.text);
      const mint = async (payload: Json) => {
        const res = await portico.app.inject({ method: 'POST', url: '/oauth/debug/token', payload: { client_id: 'wide-app', ...payload } });
        assert.equal(res.statusCode, 200, res.body);
        const token = res.json() as { access_token: string; patient: string };
        assert.equal(token.patient, ME);
        return fhirClient(portico.app, `Bearer ${token.access_token}`);
      };
      // A patient user's user/ scopes act as patient/ scopes; a patient/ token of anyone is confined the same way.
      tokens.push(['the patient user (user/*.cruds)', await mint({ scope: 'user/*.cruds', user_name: PATIENT_LOGIN.email })]);
      tokens.push(['a patient/*.cruds token', await mint({ scope: 'patient/*.cruds', patient_id: ME })]);
      // In both patients' compartments (R4: Observation by subject or performer), written by the root client.
      const created = await root.post('Observation', observation(`Patient/${OTHER}`, [`Patient/${ME}`], { valueString: 'shared' }));
      assert.equal(created.status, 201, created.text);
      shared = created.body.id;
    });
    after(() => portico.stop());

    it('creates only what names no other patient: performer, subject, absolute references, transactions, conditional writes', async () => {
      for (const [who, fhir] of tokens) {
        // Positive control: about its own patient, also as performer and by an absolute URL on this server.
        const own = await fhir.post('Observation', observation(`Patient/${ME}`, [`Patient/${ME}`, `${FHIR_BASE}/Patient/${ME}`]));
        assert.equal(own.status, 201, `${who}: ${own.text}`);

        const before = await idsOf(root, `Observation?subject=Patient/${OTHER}`);
        // Another patient's subject with its own patient as performer: in both compartments, written into the other's.
        assertForbidden(await fhir.post('Observation', observation(`Patient/${OTHER}`, [`Patient/${ME}`], { valueString: 'HIV test: positive' })));
        // Its own subject, another patient as performer: the other's compartment too.
        assertForbidden(await fhir.post('Observation', observation(`Patient/${ME}`, [`Patient/${OTHER}`])));
        assertForbidden(await fhir.post('Observation', observation(`Patient/${ME}`, [`${FHIR_BASE}/Patient/${OTHER}`])));
        // A Patient on another server is another patient too (fail closed).
        assertForbidden(await fhir.post('Observation', observation(`Patient/${ME}`, ['https://elsewhere.example/fhir/Patient/x'])));
        // Update (creating at a new id) and conditional update.
        assertForbidden(await fhir.put('Observation/injected-by-put', { ...observation(`Patient/${OTHER}`, [`Patient/${ME}`]), id: 'injected-by-put' }));
        assertForbidden(await fhir.put('Observation?identifier=urn:x|injected', observation(`Patient/${OTHER}`, [`Patient/${ME}`], { identifier: [{ system: 'urn:x', value: 'injected' }] })));
        // A transaction whose second entry writes into the other record: refused whole, the first entry not kept.
        const transaction = await fhir.post('', {
          resourceType: 'Bundle',
          type: 'transaction',
          entry: [
            { resource: observation(`Patient/${ME}`, [], { valueString: 'tx-first' }), request: { method: 'POST', url: 'Observation' } },
            { resource: observation(`Patient/${OTHER}`, [`Patient/${ME}`], { valueString: 'tx-second' }), request: { method: 'POST', url: 'Observation' } },
          ],
        });
        assertForbidden(transaction);
        // A batch entry is refused on its own.
        const batch = await fhir.post('', {
          resourceType: 'Bundle',
          type: 'batch',
          entry: [{ resource: observation(`Patient/${OTHER}`, [`Patient/${ME}`]), request: { method: 'POST', url: 'Observation' } }],
        });
        assert.equal(batch.status, 200, batch.text);
        assert.match(batch.body.entry[0].response.status, /^403/);

        assert.deepEqual(await idsOf(root, `Observation?subject=Patient/${OTHER}`), before, `${who}: nothing new in ${OTHER}'s record`);
        assert.deepEqual(await idsOf(root, `Observation?performer=Patient/${OTHER}`), [], `${who}: nothing names ${OTHER} as performer`);
        assert.deepEqual(await idsOf(root, 'Observation?value-string=tx-first'), [], `${who}: the transaction left nothing`);
        assert.equal((await root.get('Observation/injected-by-put')).status, 404);
      }
    });

    it("reads what the R4 compartment puts in its patient's record, but cannot change or delete what is also another's", async () => {
      for (const [who, fhir] of tokens) {
        // Reads follow the CompartmentDefinition: the patient is a performer of it.
        const read = await fhir.get(`Observation/${shared}`);
        assert.equal(read.status, 200, `${who}: ${read.text}`);
        assert.ok((await idsOf(fhir, `Observation?performer=Patient/${ME}`)).includes(shared));
        // Positive control: its own Observation can be updated and deleted.
        const own = await fhir.post('Observation', observation(`Patient/${ME}`));
        assert.equal(own.status, 201, own.text);
        assert.equal((await fhir.put(`Observation/${own.body.id}`, { ...own.body, status: 'amended' })).status, 200);
        assert.equal((await fhir.delete(`Observation/${own.body.id}`)).status, 204);

        assertForbidden(await fhir.put(`Observation/${shared}`, { ...read.body, status: 'amended' }));
        // Not even to take it out of the other record.
        assertForbidden(await fhir.put(`Observation/${shared}`, { ...read.body, subject: { reference: `Patient/${ME}` } }));
        assertForbidden(await fhir.delete(`Observation/${shared}`));
        const now = await root.get(`Observation/${shared}`);
        assert.equal(now.status, 200);
        assert.equal(now.body.meta.versionId, '1', `${who}: the shared Observation is unchanged`);
        assert.equal(now.body.subject.reference, `Patient/${OTHER}`);
      }
    });

    it('updates its own Patient, but not to link it to another patient (R4 compartment parameter `link`)', async () => {
      for (const [who, fhir] of tokens) {
        const mine = await fhir.get(`Patient/${ME}`);
        assert.equal(mine.status, 200, mine.text);
        const updated = await fhir.put(`Patient/${ME}`, { ...mine.body, gender: 'female' });
        assert.equal(updated.status, 200, `${who}: ${updated.text}`);
        assertForbidden(await fhir.put(`Patient/${ME}`, { ...updated.body, link: [{ other: { reference: `Patient/${OTHER}` }, type: 'seealso' }] }));
        assert.equal((await root.get(`Patient/${ME}`)).body.link, undefined);
        assert.deepEqual(await idsOf(root, `Patient?link=Patient/${OTHER}`), []);
      }
    });
  });

  describe(`search index rows of any valid length (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    before(async () => {
      portico = await startPortico(driver, { BULK_EXPORT_WORKER: 'false' });
      fhir = fhirClient(portico.app);
    });
    after(() => portico.stop());

    it('an Identifier whose system and value together are over the B-tree limit is stored and found by exactly its value', async () => {
      // Positive control: each 1,000 bytes, 2,000 together, fits as before.
      const fits = { system: `urn:x:${randomText(994)}`, value: randomText(1000) };
      const created = await fhir.post('Patient', { resourceType: 'Patient', identifier: [fits] });
      assert.equal(created.status, 201, created.text.slice(0, 300));
      assert.deepEqual(await idsOf(fhir, `Patient?identifier=${encodeURIComponent(`${fits.system}|${fits.value}`)}`), [created.body.id]);

      // Two identifiers with the same long system whose values differ only after their first 1,900 characters.
      const system = `urn:x:${randomText(1984)}`;
      const head = randomText(1900);
      const first = await fhir.post('Patient', { resourceType: 'Patient', identifier: [{ system, value: `${head}-first` }] });
      assert.equal(first.status, 201, first.text.slice(0, 300));
      const second = await fhir.post('Patient', { resourceType: 'Patient', identifier: [{ system, value: `${head}-second` }] });
      assert.equal(second.status, 201, second.text.slice(0, 300));
      assert.deepEqual(await idsOf(fhir, `Patient?identifier=${encodeURIComponent(`${system}|${head}-first`)}`), [first.body.id]);
      assert.deepEqual(await idsOf(fhir, `Patient?identifier=${encodeURIComponent(`${head}-second`)}`), [second.body.id]);
      assert.deepEqual(await idsOf(fhir, `Patient?identifier=${encodeURIComponent(`${system}|`)}`), [first.body.id, second.body.id].sort());
      assert.deepEqual(await idsOf(fhir, `Patient?identifier=${encodeURIComponent(`${system}|${head}`)}`), []);
      // A code of multi-byte characters over the limit (2,100 bytes of UTF-8), found by itself.
      const euros = '€'.repeat(700);
      const coded = await fhir.post('Observation', { resourceType: 'Observation', status: 'final', code: { coding: [{ system: 'urn:euro', code: euros }] } });
      assert.equal(coded.status, 201, coded.text.slice(0, 300));
      assert.deepEqual(await idsOf(fhir, `Observation?code=${encodeURIComponent(`urn:euro|${euros}`)}`), [coded.body.id]);
      assert.deepEqual(await idsOf(fhir, `Observation?code=${encodeURIComponent(`urn:euro|${euros.slice(1)}`)}`), []);
    });

    it('a long string or uri is found by a prefix search and an exact search longer than what the index keeps', async () => {
      // 4,000 bytes of four-byte characters: the index keeps its first 2,000, cut between characters.
      const family = '😀'.repeat(1000);
      const patient = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family }], meta: { profile: [`https://profiles.example/${randomText(3000)}`] } });
      assert.equal(patient.status, 201, patient.text.slice(0, 300));
      const id = patient.body.id as string;
      // Positive control: a short prefix.
      assert.deepEqual(await idsOf(fhir, `Patient?family=${encodeURIComponent('😀'.repeat(10))}`), [id]);
      assert.deepEqual(await idsOf(fhir, `Patient?family=${encodeURIComponent('😀'.repeat(600))}`), [id]);
      assert.deepEqual(await idsOf(fhir, `Patient?family=${encodeURIComponent(family)}`), [id]);
      assert.deepEqual(await idsOf(fhir, `Patient?family:exact=${encodeURIComponent(family)}`), [id]);
      assert.deepEqual(await idsOf(fhir, `Patient?family:exact=${encodeURIComponent(family.slice(2))}`), []);
      assert.deepEqual(await idsOf(fhir, `Patient?_profile=${encodeURIComponent(patient.body.meta.profile[0])}`), [id]);
    });

    it('a reference whose type is any length of letters is stored; only a real type is indexed as one', async () => {
      const subject = (reference: string) => fhir.post('Observation', { resourceType: 'Observation', status: 'final', code: { text: 'x' }, subject: { reference } });
      const short = await subject(`Q${randomLetters(60)}/1`);
      assert.equal(short.status, 201, short.text.slice(0, 300));
      const long = await subject(`Q${randomLetters(3000)}/1`);
      assert.equal(long.status, 201, long.text.slice(0, 300));
      const patient = await subject('Patient/ref-target');
      assert.equal(patient.status, 201, patient.text);
      assert.deepEqual(await idsOf(fhir, 'Observation?subject=Patient/ref-target'), [patient.body.id]);
      assert.equal((await fhir.get(`Observation/${long.body.id}`)).status, 200);
    });
  });

  describe(`sign-in throttling keys of any length (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, { TRUST_PROXY: 'true', LOGIN_MAX_FAILURES: '2' });
      await seedSandboxUsers(portico.auth.users);
    });
    after(() => portico.stop());

    const attempt = async (xff: string, username: string): Promise<LightMyRequestResponse> => {
      const page = await portico.app.inject({ method: 'GET', url: '/auth/login', headers: { 'x-forwarded-for': xff } });
      assert.equal(page.statusCode, 200);
      const cookie = String(page.headers['set-cookie'] ?? '').split(';')[0] ?? '';
      return portico.app.inject({
        method: 'POST',
        url: '/auth/login',
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, 'x-forwarded-for': xff },
        payload: new URLSearchParams({ username, password: 'wrong', csrf_token: csrfTokenIn(page.body), return_to: '/' }).toString(),
      });
    };

    it('an X-Forwarded-For of 3,000 characters is counted like an address: refused with 401, then throttled with 429', async () => {
      // Positive control: an ordinary address.
      assert.equal((await attempt('198.51.100.7', 'nobody-1@example.org')).statusCode, 401);
      const junk = `${randomText(3000)}, 198.51.100.8`;
      // Each attempt under another account, so only the address's count can throttle.
      for (let i = 0; i < 2; i++) assert.equal((await attempt(junk, `junk-${i}@example.org`)).statusCode, 401);
      const throttled = await attempt(junk, 'junk-last@example.org');
      assert.equal(throttled.statusCode, 429);
      assert.ok(Number(throttled.headers['retry-after']) >= 1);
      // Another long address has its own count.
      assert.equal((await attempt(`${randomText(3000)}, 198.51.100.9`, 'other@example.org')).statusCode, 401);
    });
  });

}
