import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { DatabaseBusy, DatabaseUnavailable, type StorageFault } from '../../src/fhir/storage-fault.ts';
import type { Database, SqlClient } from '../../src/storage/database.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { firstPartyClient, LAUNCH_REDIRECT, PATIENT_LOGIN, putAdmin, ROOT_BASIC, tokenRequest, type Json } from './launch-flow-support.ts';
import { browser, type Browser } from './login-support.ts';

/**
 * One token request's writes (the code or refresh token spent, the grant, the new refresh token, the access token's
 * ledger row) commit together or not at all, and so do one registration request's (the Client and its registration
 * access token): a storage fault anywhere in them (the pool's queue full, the connection lost) answers 503 and
 * leaves nothing spent and nothing half-written, so the client's retry, as Retry-After invites it, succeeds. The
 * exactly-once rules stay: one winner among concurrent redemptions, and a replay revokes the grant.
 */

/** Openid and fhirUser: the token response also reads the User (its `userinfo`). */
const OFFLINE = 'launch/patient openid fhirUser offline_access patient/Patient.rs';
const CLIENT_ID = 'atomic-app';

const SPEND_CODE = /^UPDATE authorization_code SET used_at/;
const SPEND_REFRESH_TOKEN = /^UPDATE refresh_token SET rotated_at/;
const SAVE_GRANT = /^INSERT INTO auth_grant \(id, client_id, user_id/;
const RECORD_ACCESS_TOKEN = /^INSERT INTO access_token/;
const CREATE_REFRESH_TOKEN = /^INSERT INTO refresh_token/;
const READ_USER = /FROM auth_user WHERE id = \$1$/;

interface Faults {
  /** While set, every statement matching `pattern` fails with `fault()` before it reaches the database. */
  armed?: { pattern: RegExp; fault: () => StorageFault };
  /** Every statement, in order: alone or inside a transaction. */
  seen: string[];
  /** How many statements before each failure had been seen (positions in `seen`). */
  failedAt: number[];
}

const FAULTS: { name: string; fault: () => StorageFault }[] = [
  { name: 'the pool refusing work (DatabaseBusy)', fault: () => new DatabaseBusy('injected: the queue is full') },
  { name: 'the connection lost (DatabaseUnavailable)', fault: () => new DatabaseUnavailable('injected: connection lost') },
];

/** Both pools, with faults injected into chosen statements, whether they run alone or inside a transaction. */
function injectFaults(faults: Faults) {
  const client = (inner: SqlClient): SqlClient => ({
    query(text, params) {
      const sql = (typeof text === 'string' ? text : text.text).trim();
      faults.seen.push(sql);
      if (faults.armed?.pattern.test(sql)) {
        faults.failedAt.push(faults.seen.length - 1);
        return Promise.reject(faults.armed.fault());
      }
      return inner.query(text, params);
    },
  });
  const wrap = (inner: Database): Database => ({
    ...inner,
    query: client(inner).query,
    transaction: (fn) => inner.transaction((tx) => fn(client(tx))),
    background: () => wrap(inner.background()),
  });
  return wrap;
}

/** Runs `request` with `pattern` failing; asserts it failed after the statement matching `spent` ran. */
async function withFault(faults: Faults, fault: () => StorageFault, pattern: RegExp, spent: RegExp, request: () => Promise<LightMyRequestResponse>) {
  const from = faults.seen.length;
  faults.failedAt.length = 0;
  faults.armed = { pattern, fault };
  try {
    const res = await request();
    const first = faults.failedAt[0];
    assert.ok(first !== undefined, `no statement matched ${pattern}`);
    assert.ok(
      faults.seen.slice(from, first).some((sql) => spent.test(sql)),
      `the fault came after ${spent} ran: ${faults.seen.slice(from, first + 1).join(' | ')}`,
    );
    return res;
  } finally {
    faults.armed = undefined;
  }
}

/** RFC 6749 §5.2 shape of a storage fault at an OAuth endpoint: 503 temporarily_unavailable, Retry-After, no token. */
function assertUnavailable(res: LightMyRequestResponse, fault: StorageFault): void {
  assert.equal(res.statusCode, 503, res.body);
  const body = res.json<Json>();
  assert.equal(body.error, 'temporarily_unavailable');
  assert.equal(body.access_token, undefined);
  assert.equal(body.registration_access_token, undefined);
  assert.equal(res.headers['retry-after'], String(fault.retryAfterSeconds));
  assert.equal(res.headers['cache-control'], 'no-store');
}

function assertInvalidGrant(res: LightMyRequestResponse, description: RegExp): void {
  assert.equal(res.statusCode, 400, res.body);
  assert.equal(res.json<Json>().error, 'invalid_grant');
  assert.match(String(res.json<Json>().error_description), description);
}

function harness(portico: TestPortico) {
  const app = portico.app;
  let addresses = 0;
  const signedIn = async (): Promise<Browser> => {
    const b = browser(app, `198.51.100.${++addresses}`);
    assert.equal((await b.signIn(PATIENT_LOGIN.email, PATIENT_LOGIN.password)).statusCode, 303);
    return b;
  };
  /** A code the signed-in browser obtains for CLIENT_ID, and the form that redeems it. */
  const pendingCode = async (b: Browser): Promise<Record<string, string>> => {
    const verifier = randomBytes(48).toString('base64url');
    const params = new URLSearchParams({
      response_type: 'code',
      client_id: CLIENT_ID,
      redirect_uri: LAUNCH_REDIRECT,
      scope: OFFLINE,
      state: 'atomic-state',
      aud: `${TEST_BASE_URL}/fhir`,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    });
    const res = await b.get(`/auth/authorize?${params.toString()}`);
    assert.equal(res.statusCode, 302, res.body);
    const code = new URL(String(res.headers.location)).searchParams.get('code');
    assert.ok(code, String(res.headers.location));
    return { grant_type: 'authorization_code', code, redirect_uri: LAUNCH_REDIRECT, client_id: CLIENT_ID, code_verifier: verifier };
  };
  const redeem = (form: Record<string, string>) => tokenRequest(app, form);
  const refresh = (refreshToken: unknown) => tokenRequest(app, { grant_type: 'refresh_token', refresh_token: String(refreshToken), client_id: CLIENT_ID });
  /** A token response that must come (a positive control), with its refresh token. */
  const issued = async (res: LightMyRequestResponse | Promise<LightMyRequestResponse>): Promise<Json> => {
    const reply = await res;
    assert.equal(reply.statusCode, 200, reply.body);
    const tokens = reply.json<Json>();
    assert.equal(typeof tokens.refresh_token, 'string');
    assert.equal(typeof tokens.id_token, 'string');
    assert.equal((tokens.userinfo as Json | undefined)?.resourceType, 'User');
    return tokens;
  };
  const introspect = async (token: unknown): Promise<Json> => {
    const res = await tokenRequest(app, { token: String(token) }, '/auth/introspect', { authorization: ROOT_BASIC });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<Json>();
  };
  /** Both tokens of a response are active. */
  const assertLive = async (tokens: Json) => {
    assert.equal((await introspect(tokens.access_token)).active, true);
    assert.equal((await introspect(tokens.refresh_token)).active, true);
  };
  const assertEnded = async (tokens: Json) => {
    assert.deepEqual(await introspect(tokens.access_token), { active: false });
    assert.deepEqual(await introspect(tokens.refresh_token), { active: false });
  };
  return { signedIn, pendingCode, redeem, refresh, issued, introspect, assertLive, assertEnded };
}

for (const driver of drivers) {
  describe(`a token request cut short by a storage fault spends nothing (${driver})`, () => {
    let portico: TestPortico;
    let h: ReturnType<typeof harness>;
    const faults: Faults = { seen: [], failedAt: [] };
    before(async () => {
      portico = await startPortico(driver, {}, { wrapDatabase: injectFaults(faults) });
      h = harness(portico);
      await seedSandboxUsers(portico.auth.users);
      await putAdmin(portico.app, `/Client/${CLIENT_ID}`, firstPartyClient('Atomic App'));
    });
    after(() => portico.stop());

    for (const { name, fault } of FAULTS) {
      for (const [step, pattern] of [
        ['storing the grant', SAVE_GRANT],
        ["recording the access token's ledger row", RECORD_ACCESS_TOKEN],
        ['storing the refresh token', CREATE_REFRESH_TOKEN],
        ['reading the User for userinfo', READ_USER],
      ] as const) {
        it(`code exchange, ${name} at ${step}: 503, and the retry redeems the same code`, async () => {
          const b = await h.signedIn();
          // Positive control: a code redeems.
          await h.assertLive(await h.issued(h.redeem(await h.pendingCode(b))));

          const form = await h.pendingCode(b);
          assertUnavailable(await withFault(faults, fault, pattern, SPEND_CODE, () => h.redeem(form)), fault());
          const retried = await h.issued(h.redeem(form));
          await h.assertLive(retried);
          // The code is spent now: a replay is refused and revokes what the retry got (reuse detection still commits).
          assertInvalidGrant(await h.redeem(form), /already used/);
          await h.assertEnded(retried);
        });
      }

      for (const [step, pattern] of [
        ["recording the access token's ledger row", RECORD_ACCESS_TOKEN],
        ['storing the new refresh token', CREATE_REFRESH_TOKEN],
        ['reading the User for userinfo', READ_USER],
      ] as const) {
        it(`refresh, ${name} at ${step}: 503, and the retry with the same refresh token works; nothing is revoked`, async () => {
          const b = await h.signedIn();
          const first = await h.issued(h.redeem(await h.pendingCode(b)));
          // Positive control: a refresh rotates the refresh token.
          const current = await h.issued(h.refresh(first.refresh_token));
          await h.assertLive(current);

          assertUnavailable(await withFault(faults, fault, pattern, SPEND_REFRESH_TOKEN, () => h.refresh(current.refresh_token)), fault());
          assert.equal((await h.introspect(current.refresh_token)).active, true, 'the refresh token refused with 503 is unspent');
          const retried = await h.issued(h.refresh(current.refresh_token));
          assert.equal((await h.introspect(current.access_token)).active, true, 'the access token held before is still active');
          await h.assertLive(retried);
          // The chain goes on, and a replay of the token the retry spent still revokes the whole authorization.
          const next = await h.issued(h.refresh(retried.refresh_token));
          assertInvalidGrant(await h.refresh(current.refresh_token), /already used/);
          await h.assertEnded(next);
        });
      }
    }

    it('a code refused after it was spent (wrong redirect_uri, wrong verifier) stays spent: no retry redeems it', async () => {
      const b = await h.signedIn();
      for (const wrong of [{ redirect_uri: `${LAUNCH_REDIRECT}/other` }, { code_verifier: randomBytes(48).toString('base64url') }] as Record<string, string>[]) {
        const form = await h.pendingCode(b);
        assertInvalidGrant(await h.redeem({ ...form, ...wrong }), /redirect_uri differs|code_verifier/);
        assertInvalidGrant(await h.redeem(form), /already used/);
      }
    });

    it('concurrent redemptions of one code: exactly one succeeds, and the replays revoke what it got', async () => {
      const b = await h.signedIn();
      const form = await h.pendingCode(b);
      const results = await Promise.all(Array.from({ length: 5 }, () => h.redeem(form)));
      const won = results.filter((r) => r.statusCode === 200);
      assert.equal(won.length, 1, results.map((r) => `${r.statusCode} ${r.body}`).join('\n'));
      for (const r of results.filter((x) => x.statusCode !== 200)) assertInvalidGrant(r, /already used/);
      await h.assertEnded(won[0]?.json<Json>() ?? {});
    });

    it('concurrent refreshes with one refresh token: exactly one succeeds, and the replays revoke the authorization', async () => {
      const b = await h.signedIn();
      const first = await h.issued(h.redeem(await h.pendingCode(b)));
      const results = await Promise.all(Array.from({ length: 5 }, () => h.refresh(first.refresh_token)));
      const won = results.filter((r) => r.statusCode === 200);
      assert.equal(won.length, 1, results.map((r) => `${r.statusCode} ${r.body}`).join('\n'));
      for (const r of results.filter((x) => x.statusCode !== 200)) assertInvalidGrant(r, /already used|unknown, expired or revoked/);
      await h.assertEnded(won[0]?.json<Json>() ?? {});
    });
  });

  describe(`token issuance on an auth pool of one connection (${driver})`, () => {
    let portico: TestPortico;
    let h: ReturnType<typeof harness>;
    let clock = Date.now();
    const faults: Faults = { seen: [], failedAt: [] };
    before(async () => {
      portico = await startPortico(driver, { DATABASE_AUTH_POOL_SIZE: '1' }, { wrapDatabase: injectFaults(faults), now: () => new Date(clock) });
      h = harness(portico);
      await seedSandboxUsers(portico.auth.users);
      await putAdmin(portico.app, `/Client/${CLIENT_ID}`, firstPartyClient('Atomic App'));
    });
    after(() => portico.stop());

    it('the signing keys are read before the transaction, never by work waiting inside it for the only connection', { timeout: 60_000 }, async () => {
      const b = await h.signedIn();
      /** The request reads the key list again (a minute and more went by since it was last read). */
      const readingKeys = async (request: () => Promise<LightMyRequestResponse>) => {
        const from = faults.seen.length;
        const res = await request();
        assert.ok(faults.seen.slice(from).some((sql) => /FROM signing_key/.test(sql)), 'the key list was read during the request');
        return res;
      };
      clock += 61_000;
      const form = await h.pendingCode(b);
      const first = await h.issued(readingKeys(() => h.redeem(form)));
      clock += 61_000;
      const second = await h.issued(readingKeys(() => h.refresh(first.refresh_token)));
      await h.assertLive(second);
    });
  });
}

const basicOf = (clientId: string, secret: string) => `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;

function registrar(portico: TestPortico) {
  const app = portico.app;
  const send = (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, token?: string, body?: Json) =>
    app.inject({
      method,
      url,
      headers: { ...(token !== undefined ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
  /** A registration that must succeed (a positive control): the RFC 7591 response. */
  const registered = async (body: Json): Promise<Json & { client_id: string; registration_access_token: string; uri: string }> => {
    const res = await send('POST', '/auth/register', undefined, body);
    assert.equal(res.statusCode, 201, res.body);
    const reply = res.json<Json>();
    return { ...reply, client_id: String(reply.client_id), registration_access_token: String(reply.registration_access_token), uri: new URL(String(reply.registration_client_uri)).pathname };
  };
  const admin = (url: string) => app.inject({ method: 'GET', url, headers: { authorization: ROOT_BASIC } });
  /** Every Client's name, from the admin API (which must answer). */
  const clientNames = async (): Promise<string[]> => {
    const res = await admin('/Client?_count=1000');
    assert.equal(res.statusCode, 200, res.body);
    return (res.json<{ entry?: { resource: Json }[] }>().entry ?? []).map((e) => String(e.resource.name));
  };
  const storedClient = async (id: string) => {
    const res = await admin(`/Client/${id}`);
    return { status: res.statusCode, body: res.json<Json>() };
  };
  const clientCredentials = (auth: string, scope: string) => tokenRequest(app, { grant_type: 'client_credentials', scope }, '/auth/token', { authorization: auth });
  return { send, registered, clientNames, storedClient, clientCredentials };
}

for (const driver of drivers) {
  describe(`a registration request cut short by a storage fault writes nothing (${driver})`, () => {
    let portico: TestPortico;
    let r: ReturnType<typeof registrar>;
    const faults: Faults = { seen: [], failedAt: [] };
    const metadata = (name: string): Json => ({ client_name: name, redirect_uris: ['https://app.example/cb'] });
    before(async () => {
      portico = await startPortico(driver, {}, { wrapDatabase: injectFaults(faults) });
      r = registrar(portico);
    });
    after(() => portico.stop());

    for (const { name, fault } of FAULTS) {
      it(`RFC 7591 register, ${name} at the registration access token: 503, no Client left behind; the retry registers`, async () => {
        await r.registered(metadata(`control ${name}`));
        const before = await r.clientNames();

        // The token's write fails, and so would the removal of a Client already stored.
        const res = await withFault(faults, fault, /client_registration|^DELETE FROM auth_client/, /^INSERT INTO auth_client/, () =>
          r.send('POST', '/auth/register', undefined, metadata(`orphan ${name}`)),
        );
        assertUnavailable(res, fault());
        assert.deepEqual(await r.clientNames(), before, 'no Client was stored');

        const retried = await r.registered(metadata(`orphan ${name}`));
        assert.equal((await r.send('GET', retried.uri, retried.registration_access_token)).statusCode, 200);
        assert.deepEqual((await r.clientNames()).sort(), [...before, `orphan ${name}`].sort());
      });

      it(`RFC 7592 update, ${name} at the Client write after the token rotation: 503, nothing changed; the same token retries it`, async () => {
        const created = await r.registered(metadata('before'));
        // Positive control: an update with the token works, and rotates it.
        const control = await r.send('PUT', created.uri, created.registration_access_token, { ...metadata('control'), client_id: created.client_id });
        assert.equal(control.statusCode, 200, control.body);
        const token = String(control.json<Json>().registration_access_token);

        const update = { ...metadata('renamed'), client_id: created.client_id };
        const res = await withFault(faults, fault, /^INSERT INTO auth_client/, /^UPDATE client_registration SET access_token_hash/, () => r.send('PUT', created.uri, token, update));
        assertUnavailable(res, fault());
        assert.equal((await r.storedClient(created.client_id)).body.name, 'control');

        const retried = await r.send('PUT', created.uri, token, update);
        assert.equal(retried.statusCode, 200, retried.body);
        assert.equal(retried.json<Json>().client_name, 'renamed');
        assert.equal((await r.storedClient(created.client_id)).body.name, 'renamed');
        assert.equal((await r.send('GET', created.uri, String(retried.json<Json>().registration_access_token))).statusCode, 200);
        assert.equal((await r.send('GET', created.uri, token)).statusCode, 401, 'the token the retry rotated is spent');
      });

      it(`RFC 7592 delete, ${name} at the registration's removal: 503, the Client still there; the same token retries it`, async () => {
        const created = await r.registered(metadata('doomed'));
        assert.equal((await r.storedClient(created.client_id)).status, 200);

        const res = await withFault(faults, fault, /^DELETE FROM client_registration/, /^DELETE FROM auth_client/, () => r.send('DELETE', created.uri, created.registration_access_token));
        assertUnavailable(res, fault());
        assert.equal((await r.storedClient(created.client_id)).status, 200, 'the Client was not deleted');

        const retried = await r.send('DELETE', created.uri, created.registration_access_token);
        assert.equal(retried.statusCode, 204, retried.body);
        assert.equal((await r.storedClient(created.client_id)).status, 404);
      });
    }

    it('concurrent RFC 7592 updates with one token: exactly one is applied, and its answer holds the token that works', async () => {
      const created = await r.registered(metadata('contested'));
      const results = await Promise.all(
        ['first', 'second', 'third'].map((name) => r.send('PUT', created.uri, created.registration_access_token, { ...metadata(name), client_id: created.client_id })),
      );
      const won = results.filter((res) => res.statusCode === 200);
      assert.equal(won.length, 1, results.map((res) => `${res.statusCode} ${res.body}`).join('\n'));
      for (const res of results.filter((x) => x.statusCode !== 200)) {
        assert.equal(res.statusCode, 401, res.body);
        assert.equal(res.json<Json>().error, 'invalid_token');
      }
      const winner = won[0]?.json<Json>() ?? {};
      assert.equal((await r.storedClient(created.client_id)).body.name, winner.client_name);
      assert.equal((await r.send('GET', created.uri, String(winner.registration_access_token))).statusCode, 200);
    });
  });

  describe(`registration writes reach this process's caches at once (${driver})`, () => {
    const clock = Date.now();
    let portico: TestPortico;
    let r: ReturnType<typeof registrar>;
    before(async () => {
      // The clock stands still: the Client and grant-status caches (CLIENT_CACHE_MS, GRANT_STATUS_CACHE_MS) never expire.
      portico = await startPortico(driver, {}, { now: () => new Date(clock) });
      r = registrar(portico);
    });
    after(() => portico.stop());

    it('the token endpoint sees an RFC 7592 update, and a deletion ends the tokens it remembered as active', async () => {
      const backend = (scope: string): Json => ({
        client_name: 'backend',
        redirect_uris: ['https://app.example/cb'],
        grant_types: ['authorization_code', 'client_credentials'],
        token_endpoint_auth_method: 'client_secret_basic',
        scope,
      });
      const created = await r.registered(backend('system/Patient.rs'));
      const auth = basicOf(created.client_id, String(created.client_secret));
      // Read (and remembered) by the token endpoint, and a token remembered as active.
      const first = await r.clientCredentials(auth, 'system/Patient.rs');
      assert.equal(first.statusCode, 200, first.body);
      const introspect = async (token: unknown) => (await tokenRequest(portico.app, { token: String(token) }, '/auth/introspect', { authorization: ROOT_BASIC })).json<Json>();
      assert.equal((await introspect(first.json<Json>().access_token)).active, true);

      const updated = await r.send('PUT', created.uri, created.registration_access_token, { ...backend('system/Observation.rs'), client_id: created.client_id });
      assert.equal(updated.statusCode, 200, updated.body);
      assert.equal((await r.clientCredentials(auth, 'system/Observation.rs')).statusCode, 200);
      const narrowed = await r.clientCredentials(auth, 'system/Patient.rs');
      assert.equal(narrowed.statusCode, 400, narrowed.body);
      assert.equal(narrowed.json<Json>().error, 'invalid_scope');

      const removed = await r.send('DELETE', created.uri, String(updated.json<Json>().registration_access_token));
      assert.equal(removed.statusCode, 204, removed.body);
      assert.deepEqual(await introspect(first.json<Json>().access_token), { active: false });
      const refused = await r.clientCredentials(auth, 'system/Observation.rs');
      assert.equal(refused.statusCode, 401, refused.body);
      assert.equal(refused.json<Json>().error, 'invalid_client');
    });
  });
}
