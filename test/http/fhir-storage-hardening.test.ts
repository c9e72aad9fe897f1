import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { DatabaseConflict } from '../../src/fhir/storage-fault.ts';
import type { Database } from '../../src/storage/database.ts';
import { adminHttp } from '../auth/support/admin-http.ts';
import { fhirClient, ROOT_AUTHORIZATION, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { browser, csrfTokenIn } from './login-support.ts';

/**
 * FHIR data and its storage under hostile or unlucky input: a patient-confined token writes only into its own
 * patient's record; values of any valid length are indexed (never a 500 from PostgreSQL's B-tree limit) and
 * still found by an exact search; a sign-in throttling key of any length is counted; a deadlock or a lock
 * waited for too long is a 503 to retry; a file download is never cut short by load shedding; `$export`
 * parameters are capped before a job is stored.
 */

const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const ME = 'test-pt-1';
const OTHER = 'pt-00002';
const MB = 1024 * 1024;
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

function assertTransient(res: FhirReply): void {
  assert.equal(res.status, 503, res.text);
  assert.equal(res.body.resourceType, 'OperationOutcome');
  assert.equal(res.body.issue[0].code, 'transient');
  assert.equal(res.headers['retry-after'], '1');
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
      // A relative reference must name a resource type (the reference rules refuse another, 422); an absolute one
      // to another server may have any path, which the indexer reads as type and id.
      const relative = await subject(`Q${randomLetters(60)}/1`);
      assert.equal(relative.status, 422, relative.text.slice(0, 300));
      const short = await subject(`https://elsewhere.example/fhir/Q${randomLetters(60)}/1`);
      assert.equal(short.status, 201, short.text.slice(0, 300));
      const long = await subject(`https://elsewhere.example/fhir/Q${randomLetters(3000)}/1`);
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
      portico = await startPortico(driver, { TRUST_PROXY: 'true', LOGIN_MAX_FAILURES: '2', LOGIN_ADDRESS_MAX_FAILURES: '2' });
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

  describe(`a Bulk Data file download while the pool sheds load (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    const shedding = shedAfterFirstBatch();
    before(async () => {
      portico = await startPortico(
        driver,
        { DATABASE_POOL_SIZE: '1', DATABASE_AUTH_POOL_SIZE: '1', DATABASE_MAX_QUEUE: '1', BULK_EXPORT_WORKER: 'false', BULK_EXPORT_FILES: 'database', BULK_EXPORT_PAGE_SIZE: '1' },
        { wrapDatabase: shedding.wrap },
      );
      fhir = fhirClient(portico.app);
      for (let i = 0; i < 40; i++) assert.equal((await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: `Shed${i}` }] })).status, 201);
    });
    after(() => portico.stop());

    it('the batches after the first wait for a connection and the file comes whole', async () => {
      const kick = await fhir.get('$export?_type=Patient', { prefer: 'respond-async' });
      assert.equal(kick.status, 202, kick.text);
      assert.deepEqual(await portico.bulkExport.worker.runPending(), ['completed']);
      const manifest = await fhir.get(String(kick.headers['content-location']).slice(FHIR_BASE.length + 1));
      assert.equal(manifest.status, 200, manifest.text);
      const biggest = [...(manifest.body.output as { url: string; count: number }[])].sort((a, b) => b.count - a.count)[0];
      assert.ok(biggest && biggest.count > 8, 'a file of more than one read batch');
      const download = () =>
        portico.app.inject({ method: 'GET', url: biggest.url.slice(TEST_BASE_URL.length), headers: { authorization: ROOT_AUTHORIZATION, accept: 'application/fhir+ndjson' } });
      // Positive control: every line, without load.
      const whole = await download();
      assert.equal(whole.statusCode, 200);
      assert.equal(whole.body.trim().split('\n').length, biggest.count);

      shedding.arm();
      const res = await download().finally(() => shedding.disarm());
      assert.ok(shedding.readsWhileFull > 0, 'a later batch was read while new request work was being refused');
      assert.equal(res.statusCode, 200);
      assert.equal(res.body, whole.body);
      // The pool let go, request work is served again.
      assert.equal((await fhir.get('Patient?_count=1')).status, 200);
    });
  });

  describe(`a database conflict is 503 with Retry-After: 1 on every surface (${driver})`, () => {
    let portico: TestPortico;
    // A conflict the database reports for the statements matching `pattern` while it is set (the drivers'
    // mapping of deadlocks and lock timeouts is shown on PostgreSQL below).
    const inject: { pattern: RegExp | undefined } = { pattern: undefined };
    const conflicting = (db: Database): Database => {
      const wrap = (view: Database): Database => ({
        ...view,
        query<R extends object = Record<string, unknown>>(text: Parameters<Database['query']>[0], params?: readonly unknown[]): Promise<R[]> {
          const sqlText = typeof text === 'string' ? text : text.text;
          if (inject.pattern?.test(sqlText)) return Promise.reject(new DatabaseConflict('injected: deadlock detected'));
          return view.query<R>(text, params);
        },
        background: () => wrap(view.background()),
      });
      return wrap(db);
    };
    /** `send` answers as it should, then, with a conflict on `pattern`, is refused as a conflict. */
    async function underConflict(pattern: RegExp, send: () => Promise<LightMyRequestResponse>, ok: number): Promise<LightMyRequestResponse> {
      assert.equal((await send()).statusCode, ok);
      inject.pattern = pattern;
      try {
        const res = await send();
        assert.equal(res.statusCode, 503, res.body.slice(0, 300));
        assert.equal(res.headers['retry-after'], '1');
        return res;
      } finally {
        inject.pattern = undefined;
      }
    }
    before(async () => {
      portico = await startPortico(driver, { BULK_EXPORT_WORKER: 'false', CLIENT_CACHE_MS: '0' }, { wrapDatabase: conflicting });
      await seedSandboxUsers(portico.auth.users);
      const put = await adminHttp(portico.app)('PUT', '/Client/conflict-backend', {
        body: { resourceType: 'Client', type: 'client', active: true, grant_types: ['client_credentials'], secret: 'conflict-backend-secret-1', scope: ['system/Patient.rs'] },
      });
      assert.ok(put.status === 201 || put.status === 200, put.text);
      assert.equal((await fhirClient(portico.app).put('Patient/conflict', { resourceType: 'Patient', id: 'conflict' })).status, 201);
    });
    after(() => portico.stop());

    it('FHIR and admin API: OperationOutcome transient; OAuth: temporarily_unavailable; /rpc: {error}; sign-in: a page', async () => {
      const fhir = await underConflict(/FROM resource/, () => portico.app.inject({ method: 'GET', url: '/fhir/Patient/conflict', headers: { authorization: ROOT_AUTHORIZATION } }), 200);
      assert.equal(fhir.json().issue[0].code, 'transient');
      const admin = await underConflict(/auth_client/, () => portico.app.inject({ method: 'GET', url: '/Client/conflict-backend', headers: { authorization: ROOT_AUTHORIZATION } }), 200);
      assert.equal(admin.json().issue[0].code, 'transient');
      const token = await underConflict(
        /auth_client/,
        () =>
          portico.app.inject({
            method: 'POST',
            url: '/auth/token',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: 'grant_type=client_credentials&client_id=conflict-backend&client_secret=conflict-backend-secret-1&scope=system%2FPatient.rs',
          }),
        200,
      );
      assert.equal(token.json().error, 'temporarily_unavailable');
      const rpc = await underConflict(
        /auth_client/,
        () =>
          portico.app.inject({
            method: 'POST',
            url: '/rpc',
            headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/json' },
            payload: JSON.stringify({ method: 'smartbox.portal.developer.rpc/save-developer-application', params: { name: 'Conflict app', confidentiality: 'public', 'redirect-url': 'https://conflict.example/cb' } }),
          }),
        200,
      );
      assert.equal(typeof rpc.json().error.message, 'string');
      const signIn = await underConflict(/auth_login_attempt/, async () => (await browser(portico.app)).signIn(PATIENT_LOGIN.email, PATIENT_LOGIN.password), 303);
      assert.match(String(signIn.headers['content-type']), /^text\/html/);
    });
  });

  describe(`$export parameters are capped before a job is stored (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    before(async () => {
      portico = await startPortico(driver, { BULK_EXPORT_WORKER: 'false', BULK_EXPORT_MAX_CONCURRENT: '1' });
      fhir = fhirClient(portico.app);
    });
    after(() => portico.stop());

    const kickOff = (parameter: Json[]) => fhir.post('$export', { resourceType: 'Parameters', parameter }, { prefer: 'respond-async' });
    const cancel = async (res: FhirReply) => {
      assert.equal(res.status, 202, res.text.slice(0, 300));
      const cancelled = await fhir.delete(String(res.headers['content-location']).slice(FHIR_BASE.length + 1));
      assert.equal(cancelled.status, 202);
    };
    const assertTooLong = (res: FhirReply, name: string) => {
      assert.equal(res.status, 400, res.text.slice(0, 300));
      assert.equal(res.body.issue[0].code, 'too-long');
      assert.deepEqual(res.body.issue[0].expression, [name]);
    };

    it('a _typeFilter of 2 MB, or parameters over 1 MB together, are 400 too-long and store no job', async () => {
      // Positive control: a _typeFilter of nearly 1 MB is a job (and the one job this client may have).
      await cancel(await kickOff([{ name: '_typeFilter', valueString: `Patient?name=${'a'.repeat(MB - 100)}` }]));

      assertTooLong(await kickOff([{ name: '_typeFilter', valueString: `Patient?name=${'a'.repeat(2 * MB)}` }]), '_typeFilter');
      const third = `Patient?name=${'b'.repeat(400_000)}`;
      assertTooLong(await kickOff([{ name: '_type', valueString: 'Patient' }, ...[1, 2, 3].map(() => ({ name: '_typeFilter', valueString: third }))]), '_typeFilter');
      // Nothing was stored: the client's single export slot is free.
      await cancel(await kickOff([{ name: '_type', valueString: 'Patient' }]));
    });
  });
}

if (drivers.includes('postgres')) {
  const put = (id: string, family: string) => ({ resource: { resourceType: 'Patient', id, name: [{ family }] }, request: { method: 'PUT', url: `Patient/${id}` } });
  const transaction = (...entry: unknown[]) => ({ resourceType: 'Bundle', type: 'transaction', entry });

  /** Polls (test side) until `n` of the app's statements wait on a lock. */
  async function lockWaiters(sql: pg.Client, n: number): Promise<void> {
    for (let i = 0; i < 1500; i++) {
      // Inside a transaction the activity view is a snapshot kept till its end: drop it.
      await sql.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await sql.query("SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'");
      if (rows.length >= n) return;
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`fewer than ${n} statements came to wait on a lock`);
  }

  for (const [what, env] of [
    // The default statement timeout (30 s): lock waits end in the deadlock detector (deadlock_timeout, 1 s), never in a timeout.
    ['a deadlock', {}],
    ['a lock waited for too long', { FHIR_QUERY_TIMEOUT_MS: '1000' }],
  ] as const) {
    describe(`database conflicts are 503 transient, to be retried as they are: ${what} (postgres)`, () => {
      let portico: TestPortico;
      let fhir: FhirClient;
      let sql: pg.Client;
      before(async () => {
        portico = await startPortico('postgres', { ...env, BULK_EXPORT_WORKER: 'false' });
        fhir = fhirClient(portico.app);
        for (const id of ['dl-a', 'dl-b', 'dl-x']) assert.equal((await fhir.put(`Patient/${id}`, { resourceType: 'Patient', id, name: [{ family: 'Start' }] })).status, 201);
        sql = new pg.Client({ connectionString: portico.database.url });
        await sql.connect();
      });
      after(async () => {
        await sql.query('ROLLBACK').catch(() => {});
        await sql.end();
        await portico.stop();
      });

      if (what === 'a deadlock') {
        const families = async () => {
          const out: Record<string, string> = {};
          for (const id of ['dl-a', 'dl-b', 'dl-x']) out[id] = (await fhir.get(`Patient/${id}`)).body.name[0].family;
          return out;
        };

        it('two transactions locking the same resources in opposite orders: one commits, the other is 503 and leaves nothing', async () => {
          // Positive control: each alone.
          assert.equal((await fhir.post('', transaction(put('dl-a', 'A0'), put('dl-x', 'X0'), put('dl-b', 'B0')))).status, 200);
          assert.equal((await fhir.post('', transaction(put('dl-b', 'B0'), put('dl-a', 'A0')))).status, 200);

          const firstBody = transaction(put('dl-a', 'A1'), put('dl-x', 'X1'), put('dl-b', 'B1'));
          const secondBody = transaction(put('dl-b', 'B2'), put('dl-a', 'A2'));
          await sql.query('BEGIN');
          await sql.query("SELECT 1 FROM resource WHERE resource_type = 'Patient' AND id = 'dl-x' FOR UPDATE");
          const first = fhir.post('', firstBody); // holds dl-a, waits on dl-x
          await lockWaiters(sql, 1);
          const second = fhir.post('', secondBody); // holds dl-b, waits on dl-a
          await lockWaiters(sql, 2);
          await sql.query('COMMIT'); // first takes dl-x, then waits on dl-b: a cycle
          const results = await Promise.all([first, second]);
          const winner = results.findIndex((r) => r.status === 200);
          assert.notEqual(winner, -1, results.map((r) => `${r.status} ${r.text.slice(0, 200)}`).join('\n'));
          const loser = results[1 - winner] as FhirReply;
          assertTransient(loser);
          // All of the winner, nothing of the loser.
          assert.deepEqual(await families(), winner === 0 ? { 'dl-a': 'A1', 'dl-x': 'X1', 'dl-b': 'B1' } : { 'dl-a': 'A2', 'dl-x': 'X0', 'dl-b': 'B2' });
          // Tried again as it is, it goes through.
          assert.equal((await fhir.post('', winner === 0 ? secondBody : firstBody)).status, 200);
        });
      } else {
        it('a statement waiting for a lock past most of FHIR_QUERY_TIMEOUT_MS is 503 transient (not 400 too-costly), nothing written', async () => {
          // Positive control.
          assert.equal((await fhir.get('Patient/dl-a')).status, 200);
          const before = await idsOf(fhir, 'Patient?family=Locked');

          await sql.query('BEGIN');
          await sql.query('LOCK TABLE resource IN ACCESS EXCLUSIVE MODE');
          try {
            assertTransient(await fhir.get('Patient/dl-a'));
            assertTransient(await fhir.get('Patient?family=Start&_total=accurate'));
            assertTransient(await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Locked' }] }));
            assertTransient(await fhir.post('', transaction(put('dl-a', 'Locked'))));
          } finally {
            await sql.query('COMMIT');
          }
          // Tried again as they are, they go through; the refused writes left nothing.
          assert.equal((await fhir.get('Patient/dl-a')).status, 200);
          assert.deepEqual(await idsOf(fhir, 'Patient?family=Locked'), before);
          assert.deepEqual(await portico.db.query('SHOW lock_timeout'), [{ lock_timeout: '900ms' }]);
        });
      }
    });
  }
}

/**
 * Fills the FHIR pool (one connection, a queue of one) right after the first read batch of a download,
 * and lets it go as the next batch is asked for: the work asked for while the pool is full is either
 * refused at once (request work: DatabaseBusy) or queued (background work), which the test then sees.
 */
function shedAfterFirstBatch() {
  const BATCH = /FROM bulk_export_chunk WHERE job_id/;
  const state = { armed: false, batches: 0, readsWhileFull: 0, pool: undefined as Database | undefined, release: undefined as (() => Promise<void>) | undefined };

  async function saturate(db: Database): Promise<void> {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let entered!: () => void;
    const inside = new Promise<void>((resolve) => (entered = resolve));
    const held = db.transaction(async () => {
      entered();
      await released;
    });
    await inside;
    const queued = db.query('SELECT 1');
    assert.equal(db.overloaded(), true);
    state.release = async () => {
      release();
      await Promise.all([held, queued]);
    };
  }
  /** Before a batch: counts a read asked for while the pool is full, once admission has decided on it. */
  function asked(db: Database): () => void {
    const full = state.release !== undefined && db.overloaded();
    return () => {
      if (!full) return;
      state.readsWhileFull++;
      const release = state.release;
      state.release = undefined;
      void release?.();
    };
  }
  async function afterBatch(): Promise<void> {
    state.batches++;
    if (state.armed && state.batches === 1 && state.pool) await saturate(state.pool);
  }

  const wrapView = (view: Database): Database => ({
    ...view,
    async query<R extends object = Record<string, unknown>>(text: Parameters<Database['query']>[0], params?: readonly unknown[]): Promise<R[]> {
      const sqlText = typeof text === 'string' ? text : text.text;
      if (!state.armed || !BATCH.test(sqlText)) return view.query<R>(text, params);
      const decided = asked(view);
      const pending = view.query<R>(text, params);
      decided();
      const rows = await pending;
      await afterBatch();
      return rows;
    },
    ...(view.copyOut
      ? {
          async *copyOut(statement: string): AsyncIterable<Uint8Array> {
            const inner = view.copyOut!(statement);
            if (!state.armed || !BATCH.test(statement)) return yield* inner;
            const decided = asked(view);
            const iterator = inner[Symbol.asyncIterator]();
            // The first step runs up to the admission's decision before it waits.
            const first = iterator.next();
            decided();
            for (let step = await first; !step.done; step = await iterator.next()) yield step.value;
            await afterBatch();
          },
        }
      : {}),
    background: () => wrapView(view.background()),
  });

  return {
    get readsWhileFull() {
      return state.readsWhileFull;
    },
    wrap(db: Database): Database {
      // The FHIR pool is the first one opened; its request view is what request work is refused from.
      state.pool ??= db;
      return wrapView(db);
    },
    arm() {
      Object.assign(state, { armed: true, batches: 0, readsWhileFull: 0 });
    },
    async disarm() {
      state.armed = false;
      const release = state.release;
      state.release = undefined;
      await release?.();
    },
  };
}
