import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import type { Portico } from '../../src/portico.ts';
import type { Database } from '../../src/storage/database.ts';
import type { PreparedStatement } from '../../src/storage/prepared-statement.ts';
import { drivers, startPortico, startSibling, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { firstPartyClient, LAUNCH_REDIRECT, ROOT_BASIC, tokenRequest, type Json } from './launch-flow-support.ts';
import { browser, type Browser } from './login-support.ts';

/**
 * Deactivating (`active: false`) or deleting a User or a Client ends every grant, code, token and sign-in session of
 * it at once, whichever path makes the change (admin API, RFC 7592), and reactivating it brings none of them back.
 * The clock never moves: an "active" answer the process remembered (GRANT_STATUS_CACHE_MS) or a Client it read
 * (CLIENT_CACHE_MS) would still be fresh, so nothing below passes because a cache expired.
 */

const PATIENT_ID = 'test-pt-1';
const USER_SCOPE = 'launch/patient openid fhirUser offline_access patient/Patient.rs';
const SYSTEM_SCOPE = 'system/Patient.rs';
const PASSWORD = 'a long enough sandbox password';
const SECRET = 'deactivation-test-client-secret';

const basicOf = (clientId: string, secret: string) => `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`;
/** The grant ids the authorized-apps page offers to revoke. */
const grantIdsIn = (body: string) => [...body.matchAll(/name="grant" value="([^"]+)"/g)].map((m) => m[1] ?? '');
const grantOf = (accessToken: unknown) => String(decodeJwt(String(accessToken)).grant);

/** A confidential client (secret, client_secret_basic) with user launches and client_credentials, skipping consent. */
function confidentialClient(active: boolean): Json {
  return {
    resourceType: 'Client',
    active,
    name: 'Confidential App',
    first_party: true,
    secret: SECRET,
    type: 'smart-app',
    grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
    scope: ['patient/*.rs', 'system/*.rs'],
    auth: { authorization_code: { redirect_uri: LAUNCH_REDIRECT, refresh_token: true, secret_required: true } },
  };
}

/** Everything the tests below do over HTTP, against one process. */
function harness(portico: Portico) {
  const app = portico.app;
  let addresses = 0;

  const admin = async (method: 'GET' | 'PUT' | 'DELETE', path: string, body?: Json): Promise<LightMyRequestResponse> =>
    app.inject({ method, url: path, headers: { authorization: ROOT_BASIC, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { payload: body } : {}) });
  const adminOk = async (method: 'PUT' | 'DELETE', path: string, body?: Json) => {
    const res = await admin(method, path, body);
    assert.ok(res.statusCode === 200 || res.statusCode === 201, `${method} ${path}: ${res.statusCode} ${res.body}`);
  };
  /** The User `id`, signing in as the patient; the password is kept when absent. */
  const putUser = (id: string, active: boolean, password?: string) =>
    adminOk('PUT', `/User/${id}`, { resourceType: 'User', email: `${id}@example.org`, fhirUser: `Patient/${PATIENT_ID}`, active, ...(password ? { password } : {}) });
  /** The confidential client `id` and the AccessPolicy that lets its system/ tokens read. */
  const putConfidentialClient = async (id: string, active = true) => {
    await adminOk('PUT', `/Client/${id}`, confidentialClient(active));
    await adminOk('PUT', `/AccessPolicy/${id}`, { engine: 'allow', link: [{ resourceType: 'Client', id }] });
  };

  const signIn = async (email: string, password = PASSWORD): Promise<{ browser: Browser; res: LightMyRequestResponse }> => {
    const b = browser(app, `198.51.100.${++addresses}`);
    return { browser: b, res: await b.signIn(email, password) };
  };
  const signedIn = async (userId: string): Promise<Browser> => {
    const { browser: b, res } = await signIn(`${userId}@example.org`);
    assert.equal(res.statusCode, 303, res.body);
    return b;
  };

  const authorizeQuery = (clientId: string, verifier: string) =>
    new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: LAUNCH_REDIRECT,
      scope: USER_SCOPE,
      state: 'deactivation-state',
      aud: `${TEST_BASE_URL}/fhir`,
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
  const authorize = (b: Browser, clientId: string, verifier = randomBytes(48).toString('base64url')) => b.get(`/auth/authorize?${authorizeQuery(clientId, verifier)}`);
  /** An authorization code the signed-in browser obtains, not yet redeemed. */
  const pendingCode = async (b: Browser, clientId: string): Promise<{ code: string; verifier: string }> => {
    const verifier = randomBytes(48).toString('base64url');
    const res = await authorize(b, clientId, verifier);
    assert.equal(res.statusCode, 302, res.body);
    const code = new URL(String(res.headers.location)).searchParams.get('code');
    assert.ok(code, String(res.headers.location));
    return { code, verifier };
  };
  /** The code's redemption: a public client names itself, a confidential one sends its Basic credentials. */
  const redeem = (pending: { code: string; verifier: string }, clientId: string, authorization?: string) =>
    tokenRequest(
      app,
      { grant_type: 'authorization_code', code: pending.code, redirect_uri: LAUNCH_REDIRECT, code_verifier: pending.verifier, ...(authorization ? {} : { client_id: clientId }) },
      '/auth/token',
      authorization ? { authorization } : {},
    );
  const launch = async (b: Browser, clientId: string, authorization?: string): Promise<Json> => {
    const res = await redeem(await pendingCode(b, clientId), clientId, authorization);
    assert.equal(res.statusCode, 200, res.body);
    const tokens = res.json<Json>();
    assert.equal(typeof tokens.refresh_token, 'string');
    return tokens;
  };
  const refresh = (refreshToken: unknown, clientId: string, authorization?: string) =>
    tokenRequest(app, { grant_type: 'refresh_token', refresh_token: String(refreshToken), ...(authorization ? {} : { client_id: clientId }) }, '/auth/token', authorization ? { authorization } : {});
  /** A refresh that must work (a positive control): the rotated tokens. */
  const refreshed = async (refreshToken: unknown, clientId: string, authorization?: string): Promise<Json> => {
    const res = await refresh(refreshToken, clientId, authorization);
    assert.equal(res.statusCode, 200, res.body);
    return res.json<Json>();
  };
  /**
   * A launch with its positive controls (the access token reads, a refresh works, introspection says active for
   * both tokens): the rotated tokens.
   */
  const liveTokens = async (b: Browser, clientId: string, authorization?: string): Promise<Json> => {
    const first = await launch(b, clientId, authorization);
    assert.equal((await fhirRead(first.access_token)).statusCode, 200);
    const live = await refreshed(first.refresh_token, clientId, authorization);
    assert.equal((await fhirRead(live.access_token)).statusCode, 200);
    assert.equal((await introspect(live.access_token)).active, true);
    assert.equal((await introspect(live.refresh_token)).active, true);
    return live;
  };
  const clientCredentials = (authorization: string) => tokenRequest(app, { grant_type: 'client_credentials', scope: SYSTEM_SCOPE }, '/auth/token', { authorization });
  const backendToken = async (authorization: string): Promise<string> => {
    const res = await clientCredentials(authorization);
    assert.equal(res.statusCode, 200, res.body);
    return String(res.json<Json>().access_token);
  };

  const fhirRead = (accessToken: unknown) => app.inject({ method: 'GET', url: `/fhir/Patient/${PATIENT_ID}`, headers: { authorization: `Bearer ${String(accessToken)}` } });
  const introspect = async (token: unknown): Promise<Json> => {
    // As the root client, which may introspect any token and is never ended with a Client or User.
    const res = await tokenRequest(app, { token: String(token) }, '/auth/introspect', { authorization: ROOT_BASIC });
    assert.equal(res.statusCode, 200, res.body);
    return res.json<Json>();
  };

  return { admin, adminOk, putUser, putConfidentialClient, signIn, signedIn, authorize, pendingCode, redeem, launch, refresh, refreshed, liveTokens, clientCredentials, backendToken, fhirRead, introspect };
}

/** RFC 6750 §3.1: the FHIR API refuses the token as invalid, not as lacking scope. */
function assertTokenRefused(res: LightMyRequestResponse): void {
  assert.equal(res.statusCode, 401, res.body);
  assert.match(String(res.headers['www-authenticate']), /^Bearer .*error="invalid_token"/);
  assert.equal(res.json<Json>().resourceType, 'OperationOutcome');
}

/** An RFC 6749 §5.2 error of the token endpoint, with nothing issued. */
function assertTokenError(res: LightMyRequestResponse, status: number, error: string): void {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json<Json>();
  assert.equal(body.error, error, res.body);
  assert.equal(body.access_token, undefined);
  assert.equal(body.refresh_token, undefined);
}

/** The browser's session is gone: the apps page and the authorize endpoint send it to sign in (no code). */
async function assertSignedOut(h: ReturnType<typeof harness>, b: Browser, clientId: string): Promise<void> {
  const apps = await b.get('/auth/apps');
  assert.equal(apps.statusCode, 303);
  assert.match(String(apps.headers.location), /^\/auth\/login\?/);
  const again = await h.authorize(b, clientId);
  assert.equal(again.statusCode, 303, again.body);
  assert.match(String(again.headers.location), /^\/auth\/login\?return_to=/);
}

/** The tokens of an ended grant: the FHIR API refuses the access token, introspection says inactive for both. */
async function assertEnded(h: ReturnType<typeof harness>, tokens: Json): Promise<void> {
  assertTokenRefused(await h.fhirRead(tokens.access_token));
  assert.deepEqual(await h.introspect(tokens.access_token), { active: false });
  assert.deepEqual(await h.introspect(tokens.refresh_token), { active: false });
}

/** Refresh is invalid_grant, and a retry gets the same answer: the refusal spent nothing (no reuse detected). */
async function assertRefreshRefused(h: ReturnType<typeof harness>, refreshToken: unknown, clientId: string, authorization?: string): Promise<void> {
  const refused = await h.refresh(refreshToken, clientId, authorization);
  assertTokenError(refused, 400, 'invalid_grant');
  const retried = await h.refresh(refreshToken, clientId, authorization);
  assertTokenError(retried, 400, 'invalid_grant');
  assert.equal(retried.json<Json>().error_description, refused.json<Json>().error_description);
}

/** A client_credentials token that still reads, and that introspection calls active. */
async function assertBackendLive(h: ReturnType<typeof harness>, token: string): Promise<void> {
  assert.equal((await h.fhirRead(token)).statusCode, 200);
  assert.equal((await h.introspect(token)).active, true);
}

/** A client_credentials token of an ended grant. */
async function assertBackendEnded(h: ReturnType<typeof harness>, token: string): Promise<void> {
  assertTokenRefused(await h.fhirRead(token));
  assert.deepEqual(await h.introspect(token), { active: false });
}

for (const driver of drivers) {
  describe(`deactivating or deleting a User or a Client ends its access (${driver})`, () => {
    const clock = Date.now();
    let portico: TestPortico;
    let h: ReturnType<typeof harness>;

    before(async () => {
      // The default caches (GRANT_STATUS_CACHE_MS, CLIENT_CACHE_MS): a change through this process applies at once.
      portico = await startPortico(driver, {}, { now: () => new Date(clock) });
      h = harness(portico);
      await h.adminOk('PUT', `/fhir/Patient/${PATIENT_ID}`, { resourceType: 'Patient', id: PATIENT_ID });
      await h.adminOk('PUT', '/Client/patient-app', firstPartyClient('Patient App'));
    });
    after(() => portico.stop());

    // Each test uses one authorization while the User or Client is inactive or gone, and checks another, untouched
    // since, once it is back: a grant asked about while inactive would be remembered as ended by this process.
    it('a User deactivated through the admin API: tokens, refresh, codes and sessions end at once; reactivating brings none back', async () => {
      await h.putUser('ann', true, PASSWORD);
      const b = await h.signedIn('ann');
      // A second sign-in, not used again until after the reactivation.
      const idle = await h.signedIn('ann');
      const during = await h.liveTokens(b, 'patient-app');
      const after = await h.liveTokens(b, 'patient-app');
      const codeDuring = await h.pendingCode(b, 'patient-app');
      const codeAfter = await h.pendingCode(b, 'patient-app');
      assert.deepEqual(grantIdsIn((await b.get('/auth/apps')).body).sort(), [grantOf(during.access_token), grantOf(after.access_token)].sort());

      await h.putUser('ann', false);

      await assertEnded(h, during);
      await assertRefreshRefused(h, during.refresh_token, 'patient-app');
      assertTokenError(await h.redeem(codeDuring, 'patient-app'), 400, 'invalid_grant');
      await assertSignedOut(h, b, 'patient-app');
      assert.equal((await h.signIn('ann@example.org')).res.statusCode, 401, 'sign-in refused');

      await h.putUser('ann', true);

      // Signing in again works, and the apps page lists the new grant only.
      const again = await h.signedIn('ann');
      const fresh = await h.liveTokens(again, 'patient-app');
      assert.deepEqual(grantIdsIn((await again.get('/auth/apps')).body), [grantOf(fresh.access_token)]);
      await assertEnded(h, after);
      await assertRefreshRefused(h, after.refresh_token, 'patient-app');
      assertTokenError(await h.redeem(codeAfter, 'patient-app'), 400, 'invalid_grant');
      await assertSignedOut(h, idle, 'patient-app');
    });

    it('a User deleted through the admin API: the same; a User created again under its id gets none of it back', async () => {
      await h.putUser('bea', true, PASSWORD);
      const b = await h.signedIn('bea');
      const idle = await h.signedIn('bea');
      const during = await h.liveTokens(b, 'patient-app');
      const after = await h.liveTokens(b, 'patient-app');
      const codeDuring = await h.pendingCode(b, 'patient-app');
      const codeAfter = await h.pendingCode(b, 'patient-app');

      assert.equal((await h.admin('DELETE', '/User/bea')).statusCode, 200);

      await assertEnded(h, during);
      await assertRefreshRefused(h, during.refresh_token, 'patient-app');
      assertTokenError(await h.redeem(codeDuring, 'patient-app'), 400, 'invalid_grant');
      await assertSignedOut(h, b, 'patient-app');
      assert.equal((await h.signIn('bea@example.org')).res.statusCode, 401, 'sign-in refused');

      await h.putUser('bea', true, PASSWORD);

      const again = await h.signedIn('bea');
      const fresh = await h.liveTokens(again, 'patient-app');
      assert.deepEqual(grantIdsIn((await again.get('/auth/apps')).body), [grantOf(fresh.access_token)]);
      await assertEnded(h, after);
      await assertRefreshRefused(h, after.refresh_token, 'patient-app');
      assertTokenError(await h.redeem(codeAfter, 'patient-app'), 400, 'invalid_grant');
      await assertSignedOut(h, idle, 'patient-app');
    });

    it("a Client deactivated through the admin API: its users' grants, its client_credentials tokens and its codes end; it can no longer authenticate or authorize; reactivating brings none back", async () => {
      await h.putUser('cal', true, PASSWORD);
      await h.putConfidentialClient('conf-app');
      const auth = basicOf('conf-app', SECRET);
      const b = await h.signedIn('cal');
      const during = await h.liveTokens(b, 'conf-app', auth);
      const after = await h.liveTokens(b, 'conf-app', auth);
      const codeDuring = await h.pendingCode(b, 'conf-app');
      const codeAfter = await h.pendingCode(b, 'conf-app');
      const backendDuring = await h.backendToken(auth);
      const backendAfter = await h.backendToken(auth);
      for (const token of [backendDuring, backendAfter]) await assertBackendLive(h, token);

      await h.adminOk('PUT', '/Client/conf-app', confidentialClient(false));

      await assertEnded(h, during);
      await assertBackendEnded(h, backendDuring);
      assertTokenError(await h.refresh(during.refresh_token, 'conf-app', auth), 401, 'invalid_client');
      assertTokenError(await h.clientCredentials(auth), 401, 'invalid_client');
      assertTokenError(await h.redeem(codeDuring, 'conf-app', auth), 401, 'invalid_client');
      const authorize = await h.authorize(b, 'conf-app');
      assert.equal(authorize.statusCode, 400);
      assert.match(authorize.body, /Unknown application/);

      await h.adminOk('PUT', '/Client/conf-app', confidentialClient(true));

      // The client works again, for new authorizations only.
      await h.liveTokens(b, 'conf-app', auth);
      await assertBackendLive(h, await h.backendToken(auth));
      await assertEnded(h, after);
      await assertRefreshRefused(h, after.refresh_token, 'conf-app', auth);
      await assertBackendEnded(h, backendAfter);
      assertTokenError(await h.redeem(codeAfter, 'conf-app', auth), 400, 'invalid_grant');
    });

    it('a Client deleted through the admin API: the same; a Client created again under its id gets none of it back', async () => {
      await h.putUser('dan', true, PASSWORD);
      await h.putConfidentialClient('deleted-app');
      const auth = basicOf('deleted-app', SECRET);
      const b = await h.signedIn('dan');
      const during = await h.liveTokens(b, 'deleted-app', auth);
      const after = await h.liveTokens(b, 'deleted-app', auth);
      const codeDuring = await h.pendingCode(b, 'deleted-app');
      const codeAfter = await h.pendingCode(b, 'deleted-app');
      const backendDuring = await h.backendToken(auth);
      const backendAfter = await h.backendToken(auth);
      for (const token of [backendDuring, backendAfter]) await assertBackendLive(h, token);

      assert.equal((await h.admin('DELETE', '/Client/deleted-app')).statusCode, 200);

      await assertEnded(h, during);
      await assertBackendEnded(h, backendDuring);
      assertTokenError(await h.refresh(during.refresh_token, 'deleted-app', auth), 401, 'invalid_client');
      assertTokenError(await h.clientCredentials(auth), 401, 'invalid_client');
      assertTokenError(await h.redeem(codeDuring, 'deleted-app', auth), 401, 'invalid_client');
      assert.equal((await h.authorize(b, 'deleted-app')).statusCode, 400);

      await h.putConfidentialClient('deleted-app');

      await h.liveTokens(b, 'deleted-app', auth);
      await assertBackendLive(h, await h.backendToken(auth));
      await assertEnded(h, after);
      await assertRefreshRefused(h, after.refresh_token, 'deleted-app', auth);
      await assertBackendEnded(h, backendAfter);
      assertTokenError(await h.redeem(codeAfter, 'deleted-app', auth), 400, 'invalid_grant');
    });

    it('a dynamically registered Client deleted by RFC 7592: its grants, client_credentials tokens and codes end', async () => {
      await h.putUser('eve', true, PASSWORD);
      const registered = await portico.app.inject({
        method: 'POST',
        url: '/auth/register',
        headers: { 'content-type': 'application/json' },
        payload: {
          client_name: 'Registered App',
          redirect_uris: [LAUNCH_REDIRECT],
          grant_types: ['authorization_code', 'refresh_token', 'client_credentials'],
          token_endpoint_auth_method: 'client_secret_basic',
          scope: `${USER_SCOPE} ${SYSTEM_SCOPE}`,
        },
      });
      assert.equal(registered.statusCode, 201, registered.body);
      const registration = registered.json<Json>();
      const clientId = String(registration.client_id);
      const auth = basicOf(clientId, String(registration.client_secret));
      // Skips consent (an administrator's choice the registration keeps), and may read with system/ scopes.
      const stored = (await h.admin('GET', `/Client/${clientId}`)).json<Json>();
      await h.adminOk('PUT', `/Client/${clientId}`, { ...stored, first_party: true });
      await h.adminOk('PUT', `/AccessPolicy/${clientId}`, { engine: 'allow', link: [{ resourceType: 'Client', id: clientId }] });

      const b = await h.signedIn('eve');
      const live = await h.liveTokens(b, clientId, auth);
      const pending = await h.pendingCode(b, clientId);
      const backend = await h.backendToken(auth);
      await assertBackendLive(h, backend);

      const removed = await portico.app.inject({
        method: 'DELETE',
        url: new URL(String(registration.registration_client_uri)).pathname,
        headers: { authorization: `Bearer ${String(registration.registration_access_token)}` },
      });
      assert.equal(removed.statusCode, 204, removed.body);

      await assertEnded(h, live);
      await assertBackendEnded(h, backend);
      assertTokenError(await h.refresh(live.refresh_token, clientId, auth), 401, 'invalid_client');
      assertTokenError(await h.redeem(pending, clientId, auth), 401, 'invalid_client');
      assertTokenError(await h.clientCredentials(auth), 401, 'invalid_client');
    });

    it("the sandbox's debug token endpoint mints nothing for a deactivated User", async () => {
      await h.putUser('hal', true, PASSWORD);
      const mint = () =>
        portico.app.inject({ method: 'POST', url: '/oauth/debug/token', payload: { client_id: 'patient-app', user_name: 'hal', scope: 'launch/patient patient/Patient.rs', patient_id: PATIENT_ID } });
      const minted = await mint();
      assert.equal(minted.statusCode, 200, minted.body);
      const token = minted.json<Json>().access_token;
      assert.equal((await h.fhirRead(token)).statusCode, 200);

      await h.putUser('hal', false);

      assertTokenError(await mint(), 400, 'invalid_request');
      assertTokenRefused(await h.fhirRead(token));
    });
  });
}

for (const driver of drivers) {
  describe(`initial access tokens end with the developer they were issued to (${driver})`, () => {
    const clock = Date.now();
    let portico: TestPortico;
    let h: ReturnType<typeof harness>;

    before(async () => {
      portico = await startPortico(driver, { REGISTRATION_MODE: 'initial-access-token' }, { now: () => new Date(clock) });
      h = harness(portico);
    });
    after(() => portico.stop());

    const developer = (id: string, active: boolean): Json => ({
      resourceType: 'User',
      email: `${id}@example.org`,
      roles: ['developer'],
      active,
      ...(active ? { password: PASSWORD } : {}),
    });
    const initialAccessToken = async (authorization: string): Promise<string> => {
      const res = await portico.app.inject({ method: 'POST', url: '/auth/initial-access-token', headers: { authorization } });
      assert.equal(res.statusCode, 201, res.body);
      return String(res.json<Json>().token);
    };
    const register = (token: string) =>
      portico.app.inject({
        method: 'POST',
        url: '/auth/register',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        payload: { redirect_uris: ['https://dev-app.example/cb'] },
      });
    const assertRefused = (res: LightMyRequestResponse) => {
      assert.equal(res.statusCode, 401, res.body);
      assert.equal(res.json<Json>().error, 'invalid_token');
      assert.equal(res.json<Json>().client_id, undefined);
    };

    it("a deactivated or deleted developer's initial access token registers nothing; reactivating brings it not back", async () => {
      await h.adminOk('PUT', '/User/dev-one', developer('dev-one', true));
      await h.adminOk('PUT', '/User/dev-two', developer('dev-two', true));
      const devOne = basicOf('dev-one@example.org', PASSWORD);
      const devTwo = basicOf('dev-two@example.org', PASSWORD);
      const [one, two, root] = [await initialAccessToken(devOne), await initialAccessToken(devTwo), await initialAccessToken(ROOT_BASIC)];
      for (const token of [one, two, root]) assert.equal((await register(token)).statusCode, 201);

      await h.adminOk('PUT', '/User/dev-one', developer('dev-one', false));
      assert.equal((await h.admin('DELETE', '/User/dev-two')).statusCode, 200);

      assertRefused(await register(one));
      assertRefused(await register(two));
      assert.equal((await register(root)).statusCode, 201, "the root client's token is not affected");

      await h.adminOk('PUT', '/User/dev-one', developer('dev-one', true));
      await h.adminOk('PUT', '/User/dev-two', developer('dev-two', true));

      assertRefused(await register(one));
      assertRefused(await register(two));
      // A token issued now works.
      assert.equal((await register(await initialAccessToken(devOne))).statusCode, 201);
    });
  });
}

/** Holds back the result of the next "does this grant stand" query until `released`, telling `reached` it is there. */
let heldStatus: { reached: () => void; released: Promise<void> } | undefined;
const holdingGrantStatus = (db: Database): Database => ({
  ...db,
  async query<R extends object = Record<string, unknown>>(text: string | PreparedStatement, params?: readonly unknown[]): Promise<R[]> {
    const rows = await db.query<R>(text, params);
    const held = heldStatus;
    if (held && (typeof text === 'string' ? text : text.text).includes(' AS stands ')) {
      heldStatus = undefined;
      held.reached();
      await held.released;
    }
    return rows;
  },
});

for (const driver of drivers) {
  describe(`a grant status read while a deactivation runs is not remembered (${driver})`, () => {
    const clock = Date.now();
    let portico: TestPortico;
    let h: ReturnType<typeof harness>;

    before(async () => {
      portico = await startPortico(driver, {}, { now: () => new Date(clock), wrapDatabase: holdingGrantStatus });
      h = harness(portico);
      await h.adminOk('PUT', `/fhir/Patient/${PATIENT_ID}`, { resourceType: 'Patient', id: PATIENT_ID });
      await h.adminOk('PUT', '/Client/patient-app', firstPartyClient('Patient App'));
    });
    after(() => portico.stop());

    it('a FHIR request whose "active" answer overlapped the deactivation is answered, and the next one refused', async () => {
      await h.putUser('ivy', true, PASSWORD);
      const tokens = await h.launch(await h.signedIn('ivy'), 'patient-app');
      let release!: () => void;
      const held = new Promise<'held'>((resolve) => {
        heldStatus = { reached: () => resolve('held'), released: new Promise<void>((done) => (release = done)) };
      });
      // The first use of the token asks the database, which says "active"; the answer is held until after the change.
      const during = h.fhirRead(tokens.access_token);
      assert.equal(await Promise.race([held, during.then(() => 'answered')]), 'held', 'the grant status query was held back');
      await h.putUser('ivy', false);
      release();
      assert.equal((await during).statusCode, 200, 'read before the deactivation took effect');
      assertTokenRefused(await h.fhirRead(tokens.access_token));
    });
  });
}

// Two processes on one database: only PostgreSQL can be shared (PGlite is embedded in one process).
if (drivers.includes('postgres')) {
  describe('deactivation by another process (postgres)', () => {
    const clock = Date.now();
    let first: TestPortico;
    let sibling: Portico;
    let h: ReturnType<typeof harness>;
    let other: ReturnType<typeof harness>;

    before(async () => {
      // This process asks the database whether a grant stands on every request; its Client cache keeps the default.
      first = await startPortico('postgres', { GRANT_STATUS_CACHE_MS: '0' }, { now: () => new Date(clock) });
      sibling = await startSibling(first, {}, { now: () => new Date(clock) });
      h = harness(first);
      other = harness(sibling);
      await h.adminOk('PUT', `/fhir/Patient/${PATIENT_ID}`, { resourceType: 'Patient', id: PATIENT_ID });
      await h.adminOk('PUT', '/Client/patient-app', firstPartyClient('Patient App'));
    });
    after(async () => {
      await sibling.close();
      await first.stop();
    });

    it("a User deactivated by another process: this one refuses its tokens, refresh and code at once", async () => {
      await h.putUser('fay', true, PASSWORD);
      const b = await h.signedIn('fay');
      const live = await h.liveTokens(b, 'patient-app');
      const pending = await h.pendingCode(b, 'patient-app');

      await other.putUser('fay', false);

      await assertEnded(h, live);
      await assertRefreshRefused(h, live.refresh_token, 'patient-app');
      assertTokenError(await h.redeem(pending, 'patient-app'), 400, 'invalid_grant');
      await assertSignedOut(h, b, 'patient-app');
    });

    it('a Client deactivated by another process: this one, still holding the Client it read, issues it nothing and refuses its tokens', async () => {
      await h.putUser('gus', true, PASSWORD);
      await h.putConfidentialClient('remote-app');
      const auth = basicOf('remote-app', SECRET);
      const b = await h.signedIn('gus');
      const live = await h.liveTokens(b, 'remote-app', auth);
      const pending = await h.pendingCode(b, 'remote-app');
      const backend = await h.backendToken(auth);
      await assertBackendLive(h, backend);

      await other.adminOk('PUT', '/Client/remote-app', confidentialClient(false));

      await assertEnded(h, live);
      await assertBackendEnded(h, backend);
      // This process still authenticates the client from its Client cache (CLIENT_CACHE_MS), yet nothing is issued.
      assertTokenError(await h.clientCredentials(auth), 401, 'invalid_client');
      await assertRefreshRefused(h, live.refresh_token, 'remote-app', auth);
      assertTokenError(await h.redeem(pending, 'remote-app', auth), 400, 'invalid_grant');
    });
  });
}
