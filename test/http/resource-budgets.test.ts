import assert from 'node:assert/strict';
import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import pg from 'pg';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import type { Portico } from '../../src/portico.ts';
import type { Database } from '../../src/storage/database.ts';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { fhirClient, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, startSibling, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { firstPartyClient, LAUNCH_REDIRECT, PATIENT_LOGIN, PRACTITIONER_LOGIN, putAdmin } from './launch-flow-support.ts';
import { browser } from './login-support.ts';
import { track } from '../support/track.ts';

/**
 * Resource budgets: the authorization server keeps its own database connections while the FHIR API's
 * are all taken; FHIR statements have a timeout; a saturated pool refuses new work at once (503 and
 * Retry-After, in each surface's own shape); a lost database is 503, not 500, and is recovered from;
 * batch/transaction Bundles and strings have a size cap.
 */

const BACKEND = { id: 'budget-backend', secret: 'budget-backend-secret-1' };
const BACKEND_CLIENT = { resourceType: 'Client', type: 'client', active: true, grant_types: ['client_credentials'], secret: BACKEND.secret, scope: ['system/Patient.rs'] };
const MB = 1024 * 1024;

type Json = Record<string, unknown>;
const bundle = (type: 'batch' | 'transaction', entry: unknown[]) => ({ resourceType: 'Bundle', type, entry });
const patientEntry = (family: string, extra: Json = {}) => ({ resource: { resourceType: 'Patient', name: [{ family }], ...extra }, request: { method: 'POST', url: 'Patient' } });

function tokenRequest(app: FastifyInstance): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/auth/token',
    headers: { authorization: basic(BACKEND.id, BACKEND.secret), 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'grant_type=client_credentials&scope=system%2FPatient.rs',
  });
}

/** How many Patients match a search (its count, which must be answered). */
async function countOf(fhir: FhirClient, query: string): Promise<number> {
  const res = await fhir.get(`Patient?${query ? `${query}&` : ''}_summary=count`);
  assert.equal(res.status, 200, res.text);
  return Number(res.body.total);
}

function assertTransient(res: FhirReply, retryAfter: string): void {
  assert.equal(res.status, 503, res.text);
  assert.equal(res.body.resourceType, 'OperationOutcome');
  assert.equal(res.body.issue[0].code, 'transient');
  assert.equal(res.headers['retry-after'], retryAfter);
}

function assertTemporarilyUnavailable(res: LightMyRequestResponse, retryAfter: string): void {
  assert.equal(res.statusCode, 503, res.body);
  assert.equal(res.json().error, 'temporarily_unavailable');
  assert.equal(typeof res.json().error_description, 'string');
  assert.equal(res.headers['retry-after'], retryAfter);
  assert.equal(res.headers['cache-control'], 'no-store');
}

/**
 * Saturates a pool of one connection and a queue of one: a unit of work the test keeps open (a
 * transaction waiting on a promise, standing for a long statement) and a statement waiting behind it.
 * release() lets both finish; it may be called more than once.
 */
async function saturate(db: Database) {
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
  return {
    async release() {
      release();
      await Promise.all([held, queued]);
    },
  };
}

/** Releases `held` after `ms` unless cleared: without the behaviour under test, a request would wait on it for ever. */
function watchdog(held: { release(): Promise<void> }, ms = 20_000) {
  const state = { fired: false };
  const timer = setTimeout(() => {
    state.fired = true;
    void held.release();
  }, ms);
  return { state, clear: () => clearTimeout(timer) };
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

  describe(`resource budgets: a saturated pool refuses new work at once (${driver})`, () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    let admin: ReturnType<typeof adminHttp>;
    before(async () => {
      // One connection per pool and one place in its queue: two units of work saturate a pool.
      portico = await startPortico(driver, { DATABASE_POOL_SIZE: '1', DATABASE_AUTH_POOL_SIZE: '1', DATABASE_MAX_QUEUE: '1', BULK_EXPORT_WORKER: 'false' });
      fhir = fhirClient(portico.app);
      admin = adminHttp(portico.app);
      await seedSandboxUsers(portico.auth.users);
      assert.equal((await admin('PUT', `/Client/${BACKEND.id}`, { body: BACKEND_CLIENT })).status, 201);
      assert.equal((await fhir.put('Patient/budget-p1', { resourceType: 'Patient', id: 'budget-p1' })).status, 201);
    });
    after(() => portico.stop());

    it('the FHIR API answers 503 transient with Retry-After while its pool is saturated, writes nothing, and serves again after', async () => {
      assert.equal((await fhir.get('Patient/budget-p1')).status, 200);
      assert.equal((await portico.app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
      const patients = await countOf(fhir, '');
      const kickOff = await fhir.get('$export?_type=Patient', { prefer: 'respond-async' });
      assert.equal(kickOff.status, 202, kickOff.text);

      const held = await saturate(portico.db);
      const dog = watchdog(held);
      let exportRun: ReturnType<typeof track<unknown>> | undefined;
      try {
        assertTransient(await fhir.get('Patient/budget-p1'), '1');
        assertTransient(await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Shed' }] }), '1');
        // A batch's entries are refused each, in the batch's response.
        const batch = await fhir.post('', bundle('batch', [patientEntry('Shed'), { request: { method: 'GET', url: 'Patient/budget-p1' } }]));
        assert.equal(batch.status, 200, batch.text);
        for (const entry of batch.body.entry) {
          assert.match(entry.response.status, /^503/);
          assert.equal(entry.response.outcome.issue[0].code, 'transient');
        }
        const ready = await portico.app.inject({ method: 'GET', url: '/ready' });
        assert.equal(ready.statusCode, 503);
        assert.equal(ready.json().status, 'overloaded');
        assert.equal(ready.headers['retry-after'], '1');
        // PostgreSQL: the token endpoint has connections of its own (PGlite's one connection is the test's now).
        if (driver === 'postgres') assert.equal((await tokenRequest(portico.app)).statusCode, 200);
        // The export worker is background work: it waits for the pool instead of being refused.
        exportRun = track(portico.bulkExport.worker.runPending());
        assert.equal(dog.state.fired, false);
      } finally {
        dog.clear();
        await held.release();
      }
      assert.deepEqual(await exportRun?.promise, ['completed']);
      assert.equal((await fhir.get('Patient/budget-p1')).status, 200);
      assert.equal(await countOf(fhir, ''), patients, 'the refused writes wrote nothing');
      assert.equal(await countOf(fhir, 'family=Shed'), 0);
      assert.equal((await portico.app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
    });

    it('OAuth endpoints answer 503 temporarily_unavailable, the admin API and RPC in their own shapes, while the auth pool is saturated', async () => {
      const signIn = browser(portico.app, '203.0.113.50');
      const loginPage = await signIn.get('/auth/login');
      const csrf = /name="csrf_token" value="([^"]+)"/.exec(loginPage.body)?.[1] ?? '';
      const register = () =>
        portico.app.inject({ method: 'POST', url: '/auth/register', headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ redirect_uris: ['https://budget.example/cb'], client_name: 'Budget' }) });
      const save = () =>
        admin('POST', '/rpc', { body: { method: 'smartbox.portal.developer.rpc/save-developer-application', params: { confidentiality: 'public', name: 'Budget RPC', 'redirect-url': 'https://budget.example/rpc' } } });
      // Positive controls.
      const token = await tokenRequest(portico.app);
      assert.equal(token.statusCode, 200, token.body);
      assert.equal((await register()).statusCode, 201);
      assert.equal((await save()).status, 200);
      const clientCount = async () => {
        const res = await admin('GET', '/Client?_count=0');
        assert.equal(res.status, 200, res.text);
        return Number(res.body.total);
      };
      const clients = await clientCount();

      const held = await saturate(portico.authDb);
      const dog = watchdog(held);
      try {
        assertTemporarilyUnavailable(await tokenRequest(portico.app), '1');
        assertTemporarilyUnavailable(
          await portico.app.inject({
            method: 'POST',
            url: '/auth/introspect',
            headers: { authorization: basic(BACKEND.id, BACKEND.secret), 'content-type': 'application/x-www-form-urlencoded' },
            payload: `token=${token.json().access_token}`,
          }),
          '1',
        );
        assertTemporarilyUnavailable(await register(), '1');
        const listed = await admin('GET', '/Client');
        assert.equal(listed.status, 503, listed.text);
        assert.equal(listed.body.resourceType, 'OperationOutcome');
        assert.equal(listed.body.issue[0].code, 'transient');
        assert.equal(listed.headers['retry-after'], '1');
        const rpc = await save();
        assert.equal(rpc.status, 503, rpc.text);
        assert.equal(typeof rpc.body.error.message, 'string');
        assert.equal(rpc.headers['retry-after'], '1');
        const login = await signIn.post('/auth/login', { username: PATIENT_LOGIN.email, password: PATIENT_LOGIN.password, csrf_token: csrf, return_to: '/' });
        assert.equal(login.statusCode, 503);
        assert.match(String(login.headers['content-type']), /^text\/html/);
        assert.equal(login.headers['retry-after'], '1');
        assert.equal((await portico.app.inject({ method: 'GET', url: '/ready' })).json().status, 'overloaded');
        // PostgreSQL: the FHIR API has connections of its own.
        if (driver === 'postgres') assert.equal((await fhir.get('Patient/budget-p1')).status, 200);
        assert.equal(dog.state.fired, false);
      } finally {
        dog.clear();
        await held.release();
      }
      assert.equal((await tokenRequest(portico.app)).statusCode, 200);
      assert.equal(await clientCount(), clients, 'the refused registration and RPC created no Client');
      assert.equal((await signIn.post('/auth/login', { username: PATIENT_LOGIN.email, password: PATIENT_LOGIN.password, csrf_token: csrf, return_to: '/' })).statusCode, 303);
    });
  });
}

if (drivers.includes('postgres')) {
  /** A client of its own on the test's database, for locks the app's statements then wait on. */
  async function sqlClient(portico: TestPortico): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: portico.database.url });
    await client.connect();
    return client;
  }

  /** Pids of the app's backends waiting on a lock, once there are `n` (polled for). */
  async function lockWaiters(sql: pg.Client, n: number): Promise<number[]> {
    for (let attempt = 0; attempt < 1500; attempt++) {
      // Inside a transaction (the one holding the lock) the activity view is a snapshot kept till its end: drop it.
      await sql.query('SELECT pg_stat_clear_snapshot()');
      const { rows } = await sql.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock' ORDER BY pid",
      );
      if (rows.length >= n) return rows.map((r) => r.pid);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error(`fewer than ${n} statements came to wait on a lock`);
  }

  /** ACCESS EXCLUSIVE locks on `tables`, held until release(): every statement reading them waits (deterministically "slow"). */
  async function lockTables(sql: pg.Client, tables: string) {
    await sql.query('BEGIN');
    await sql.query(`LOCK TABLE ${tables} IN ACCESS EXCLUSIVE MODE`);
    let released: Promise<unknown> | undefined;
    return { release: () => (released ??= sql.query('COMMIT')).then(() => undefined) };
  }

  /** A trigger that makes inserts into `table` matching `condition` run for 30 s (pg_sleep: work, not a lock wait), until drop(). */
  async function slowInsert(sql: pg.Client, table: string, condition: string) {
    await sql.query(`CREATE FUNCTION budget_slow_insert() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN IF ${condition} THEN PERFORM pg_sleep(30); END IF; RETURN NEW; END $$`);
    await sql.query(`CREATE TRIGGER budget_slow_insert BEFORE INSERT ON ${table} FOR EACH ROW EXECUTE FUNCTION budget_slow_insert()`);
    return {
      async drop() {
        await sql.query(`DROP TRIGGER budget_slow_insert ON ${table}`);
        await sql.query('DROP FUNCTION budget_slow_insert()');
      },
    };
  }

  describe('resource budgets: OAuth keeps its own connections while the FHIR API is saturated (postgres)', () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    let sql: pg.Client;
    before(async () => {
      portico = await startPortico('postgres', { DATABASE_POOL_SIZE: '2', DATABASE_AUTH_POOL_SIZE: '2' });
      fhir = fhirClient(portico.app);
      sql = await sqlClient(portico);
      await seedSandboxUsers(portico.auth.users);
      await putAdmin(portico.app, `/Client/${BACKEND.id}`, BACKEND_CLIENT);
      await putAdmin(portico.app, '/Client/budget-app', firstPartyClient('Budget app'));
      assert.equal((await fhir.put('Patient/budget-p1', { resourceType: 'Patient', id: 'budget-p1', name: [{ family: 'Budgetson' }] })).status, 201);
    });
    after(async () => {
      await sql.end();
      await portico.stop();
    });

    it("the authorization endpoint's patient picker reads on the auth pool, served while every FHIR connection is taken", async () => {
      const practitioner = browser(portico.app, '203.0.113.61');
      assert.equal((await practitioner.signIn(PRACTITIONER_LOGIN.email, PRACTITIONER_LOGIN.password)).statusCode, 303);
      const picker = () =>
        practitioner.get(
          `/auth/authorize?${new URLSearchParams({
            response_type: 'code',
            client_id: 'budget-app',
            redirect_uri: LAUNCH_REDIRECT,
            scope: 'launch/patient patient/Patient.rs',
            state: 'budget-state',
            aud: `${TEST_BASE_URL}/fhir`,
            code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
            code_challenge_method: 'S256',
          }).toString()}`,
        );
      const listed = await picker();
      assert.equal(listed.statusCode, 200, listed.body);
      assert.match(listed.body, /Budgetson/);

      // Both FHIR connections held (transactions the test keeps open), a FHIR read waiting behind them.
      let release!: () => void;
      const released = new Promise<void>((resolve) => (release = resolve));
      const holds = [portico.db.transaction(() => released), portico.db.transaction(() => released)];
      const gate = { release: async () => void (release(), await Promise.all(holds)) };
      const dog = watchdog(gate);
      try {
        const queued = track(fhir.get('Patient/budget-p1'));
        const during = await picker();
        assert.equal(during.statusCode, 200, during.body);
        assert.match(during.body, /Budgetson/);
        assert.equal(dog.state.fired, false, 'the picker waited until the FHIR connections were released');
        assert.equal(queued.settled, false, 'the FHIR read is still waiting');
        await gate.release();
        assert.equal((await queued.promise).status, 200);
      } finally {
        dog.clear();
        await gate.release();
      }
    });

    it('token, introspection, registration and sign-in are served while every FHIR connection waits on a slow statement', async () => {
      // What a FHIR request needing a connection but not the locked table answers when connections are free.
      const exportStatus = () => fhir.get('$export-status/budget-no-such-job');
      assert.equal((await exportStatus()).status, 404);
      assert.equal((await fhir.get('Patient/budget-p1')).status, 200);

      const lock = await lockTables(sql, 'resource');
      const dog = watchdog(lock, 30_000);
      try {
        // Every FHIR connection (2) held by a statement that cannot finish while the lock is held.
        const slow = [track(fhir.get('Patient/budget-p1')), track(fhir.get('Patient?name=budget'))];
        await lockWaiters(sql, 2);
        // Positive control: the saturation holds up a FHIR request that does not touch the locked table.
        const queued = track(exportStatus());

        const token = await tokenRequest(portico.app);
        assert.equal(token.statusCode, 200, token.body);
        const introspection = await portico.app.inject({
          method: 'POST',
          url: '/auth/introspect',
          headers: { authorization: basic(BACKEND.id, BACKEND.secret), 'content-type': 'application/x-www-form-urlencoded' },
          payload: `token=${token.json().access_token}`,
        });
        assert.equal(introspection.json().active, true, introspection.body);
        const registration = await portico.app.inject({
          method: 'POST',
          url: '/auth/register',
          headers: { 'content-type': 'application/json' },
          payload: JSON.stringify({ redirect_uris: ['https://budget.example/cb'], client_name: 'Budget' }),
        });
        assert.equal(registration.statusCode, 201, registration.body);
        assert.equal((await browser(portico.app, '203.0.113.60').signIn(PATIENT_LOGIN.email, PATIENT_LOGIN.password)).statusCode, 303);

        assert.equal(dog.state.fired, false, 'the OAuth requests waited until the FHIR statements were released');
        assert.deepEqual([...slow, queued].map((p) => p.settled), [false, false, false], 'the FHIR requests are all still waiting');
        dog.clear();
        await lock.release();
        assert.deepEqual(await Promise.all(slow.map(async (p) => (await p.promise).status)), [200, 200]);
        assert.equal((await queued.promise).status, 404);
      } finally {
        dog.clear();
        await lock.release();
      }
    });
  });

  describe('resource budgets: FHIR statement timeout (postgres)', () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    let sql: pg.Client;
    before(async () => {
      portico = await startPortico('postgres', { FHIR_QUERY_TIMEOUT_MS: '1000', BULK_EXPORT_WORKER: 'false' });
      fhir = fhirClient(portico.app);
      sql = await sqlClient(portico);
      await putAdmin(portico.app, `/Client/${BACKEND.id}`, BACKEND_CLIENT);
      assert.equal((await fhir.put('Patient/budget-p1', { resourceType: 'Patient', id: 'budget-p1', name: [{ family: 'Timed' }] })).status, 201);
    });
    after(async () => {
      await sql.end();
      await portico.stop();
    });

    it('a FHIR statement running past FHIR_QUERY_TIMEOUT_MS is 400 too-costly; a write so cut short leaves nothing; OAuth is unaffected', async () => {
      // Positive control: the same write, quick (and gone again: the export below counts Patients).
      const quick = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Cut' }] });
      assert.equal(quick.status, 201, quick.text);
      assert.equal((await fhir.delete(`Patient/${quick.body.id}`)).status, 204);
      const before = await countOf(fhir, '');

      // Work the statement itself does (a lock waited for is a conflict, 503, not a cost): its trigger runs for long.
      const slow = await slowInsert(sql, 'resource', "NEW.content->'name'->0->>'family' = 'Cut'");
      try {
        const res = await fhir.post('Patient', { resourceType: 'Patient', name: [{ family: 'Cut' }] });
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.issue[0].code, 'too-costly');
        assert.equal(res.headers['retry-after'], undefined);
        assert.equal((await tokenRequest(portico.app)).statusCode, 200, 'the auth pool has no such timeout');
      } finally {
        await slow.drop();
      }
      assert.equal((await fhir.get('Patient/budget-p1')).status, 200);
      assert.equal(await countOf(fhir, ''), before);
      assert.equal(await countOf(fhir, 'family=Cut'), 0);
    });

    it('bulk export runs under the timeout; a page cut short by it fails the export with a too-costly error file', async () => {
      const kickOff = async () => {
        const res = await fhir.get('$export?_type=Patient', { prefer: 'respond-async' });
        assert.equal(res.status, 202, res.text);
        return new URL(String(res.headers['content-location'])).pathname.replace(/^\/fhir\//, '');
      };
      const manifestOf = async (statusPath: string) => {
        const res = await fhir.get(statusPath);
        assert.equal(res.status, 200, res.text);
        return res.body as { output: { url: string }[]; error: { url: string }[] };
      };
      const download = async (url: string) => {
        const res = await portico.app.inject({ method: 'GET', url: new URL(url).pathname, headers: { authorization: basic('root', 'secret'), accept: 'application/fhir+ndjson' } });
        assert.equal(res.statusCode, 200, res.body);
        return res.body.trim().split('\n').map((line) => JSON.parse(line) as Json);
      };

      // Positive control: the export's statements all fit within the timeout.
      const completed = await kickOff();
      assert.deepEqual(await portico.bulkExport.worker.runPending(), ['completed']);
      const manifest = await manifestOf(completed);
      assert.equal(manifest.error.length, 0);
      assert.equal((await download(manifest.output[0]?.url ?? '')).length, 1);

      const failed = await kickOff();
      // The statement copying a page of Patients into its file works for long (its error file does not).
      const slow = await slowInsert(sql, 'bulk_export_chunk', `NEW.content ~ '"resourceType": ?"Patient"'`);
      try {
        assert.deepEqual(await portico.bulkExport.worker.runPending(), ['failed']);
      } finally {
        await slow.drop();
      }
      const errors = await manifestOf(failed);
      assert.equal(errors.output.length, 0);
      const [outcome] = await download(errors.error[0]?.url ?? '');
      assert.equal((outcome?.issue as { code: string }[])[0]?.code, 'too-costly');
    });
  });

  describe('resource budgets: database loss (postgres)', () => {
    let portico: TestPortico;
    let fhir: FhirClient;
    let sql: pg.Client;
    before(async () => {
      portico = await startPortico('postgres');
      fhir = fhirClient(portico.app);
      sql = await sqlClient(portico);
      await seedSandboxUsers(portico.auth.users);
      await putAdmin(portico.app, `/Client/${BACKEND.id}`, BACKEND_CLIENT);
      await putAdmin(portico.app, '/Client/budget-app', firstPartyClient('Budget app'));
      assert.equal((await fhir.put('Patient/budget-p1', { resourceType: 'Patient', id: 'budget-p1' })).status, 201);
    });
    after(async () => {
      await sql.end();
      await portico.stop();
    });

    /** Runs `request` until its statement waits on a lock of `tables`, terminates that backend, and returns the answer. */
    async function dropMidRequest<T>(tables: string, request: () => Promise<T>): Promise<T> {
      const lock = await lockTables(sql, tables);
      try {
        const pending = request();
        const [pid] = await lockWaiters(sql, 1);
        await sql.query('SELECT pg_terminate_backend($1)', [pid]);
        return await pending;
      } finally {
        await lock.release();
      }
    }

    it('a connection dropped under a FHIR request is 503 transient with Retry-After, and the next request is served', async () => {
      assert.equal((await fhir.get('Patient/budget-p1')).status, 200);
      assertTransient(await dropMidRequest('resource', () => fhir.get('Patient/budget-p1')), '5');
      assert.equal((await fhir.get('Patient/budget-p1')).status, 200);
    });

    it('a connection dropped under a token request is 503 temporarily_unavailable, and the next request is served', async () => {
      assert.equal((await tokenRequest(portico.app)).statusCode, 200);
      assertTemporarilyUnavailable(await dropMidRequest('access_token', () => tokenRequest(portico.app)), '5');
      assert.equal((await tokenRequest(portico.app)).statusCode, 200);
    });

    it('the authorization endpoint sends the app temporarily_unavailable once its redirect_uri is verified (RFC 6749 §4.1.2.1)', async () => {
      const b = browser(portico.app, '203.0.113.70');
      assert.equal((await b.signIn(PATIENT_LOGIN.email, PATIENT_LOGIN.password)).statusCode, 303);
      const authorize = () =>
        b.get(
          `/auth/authorize?${new URLSearchParams({
            response_type: 'code',
            client_id: 'budget-app',
            redirect_uri: LAUNCH_REDIRECT,
            scope: 'openid fhirUser patient/Patient.rs',
            state: 'budget-state',
            aud: `${TEST_BASE_URL}/fhir`,
            code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
            code_challenge_method: 'S256',
          }).toString()}`,
        );
      const granted = await authorize();
      assert.equal(granted.statusCode, 302, granted.body);
      assert.ok(new URL(String(granted.headers.location)).searchParams.get('code'));

      // The code cannot be stored: the app hears of it at its (verified) redirect_uri, with its state.
      const refused = await dropMidRequest('authorization_code', authorize);
      assert.equal(refused.statusCode, 302, refused.body);
      const location = new URL(String(refused.headers.location));
      assert.equal(`${location.origin}${location.pathname}`, LAUNCH_REDIRECT);
      assert.equal(location.searchParams.get('error'), 'temporarily_unavailable');
      assert.equal(location.searchParams.get('state'), 'budget-state');
      assert.equal(location.searchParams.get('code'), null);

      assert.ok(new URL(String((await authorize()).headers.location)).searchParams.get('code'), 'served again');
    });

    it('a database gone away: 503 on every surface while it is gone, served again once it is back', async () => {
      const proxy = await startProxy(new URL(portico.database.url ?? ''));
      let sibling: Portico | undefined;
      try {
        const via = new URL(portico.database.url ?? '');
        via.host = `127.0.0.1:${proxy.port}`;
        sibling = await startSibling(portico, { DATABASE_URL: via.toString() });
        const app = sibling.app;
        const siblingFhir = fhirClient(app);
        assert.equal((await siblingFhir.get('Patient/budget-p1')).status, 200);
        assert.equal((await tokenRequest(app)).statusCode, 200);
        assert.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);

        await proxy.stop();
        assertTransient(await siblingFhir.get('Patient/budget-p1'), '5');
        assertTransient(await siblingFhir.get('Patient/budget-p1'), '5');
        assertTemporarilyUnavailable(await tokenRequest(app), '5');
        const listed = await adminHttp(app)('GET', '/Client');
        assert.equal(listed.status, 503, listed.text);
        assert.equal(listed.body.issue[0].code, 'transient');
        const ready = await app.inject({ method: 'GET', url: '/ready' });
        assert.equal(ready.statusCode, 503);
        assert.equal(ready.json().status, 'unavailable');

        await proxy.start();
        assert.equal((await siblingFhir.get('Patient/budget-p1')).status, 200);
        assert.equal((await tokenRequest(app)).statusCode, 200);
        assert.equal((await app.inject({ method: 'GET', url: '/ready' })).statusCode, 200);
      } finally {
        await sibling?.close();
        await proxy.stop();
      }
    });
  });

  /** A TCP relay to the database: stop() is the database going away (connections cut, new ones refused), start() its return. */
  async function startProxy(target: URL) {
    const sockets = new Set<Socket>();
    let server: Server | undefined;
    let port = 0;
    const listen = () =>
      new Promise<void>((resolve, reject) => {
        const s = createServer((client) => {
          const upstream = connect(Number(target.port || 5432), target.hostname);
          for (const socket of [client, upstream]) {
            sockets.add(socket);
            socket.on('error', () => {
              client.destroy();
              upstream.destroy();
            });
            socket.on('close', () => sockets.delete(socket));
          }
          client.pipe(upstream).pipe(client);
        });
        s.once('error', reject);
        s.listen(port, '127.0.0.1', () => {
          port = (s.address() as AddressInfo).port;
          server = s;
          resolve();
        });
      });
    await listen();
    return {
      get port() {
        return port;
      },
      start: listen,
      async stop() {
        const s = server;
        server = undefined;
        for (const socket of sockets) socket.destroy();
        if (s) await new Promise<void>((resolve) => s.close(() => resolve()));
      },
    };
  }
}
