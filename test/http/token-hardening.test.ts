import assert from 'node:assert/strict';
import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { JWTPayload } from 'jose';
import { hashToken } from '../../src/auth/tokens/token-hash.ts';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import type { Portico } from '../../src/portico.ts';
import type { Database, SqlClient } from '../../src/storage/database.ts';
import type { PreparedStatement } from '../../src/storage/prepared-statement.ts';
import { json, signAssertion, startJwksHost, testKey, type JwksHost, type TestKey } from '../auth/support/client-auth-fixtures.ts';
import { drivers, startPortico, startSibling, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { firstPartyClient, LAUNCH_REDIRECT, PATIENT_LOGIN } from './launch-flow-support.ts';
import { browser } from './login-support.ts';

// The token endpoint and the checks of tokens and client credentials, hardened: refresh scopes checked
// (by meaning) before the refresh token is spent, introspection only for those who may see a token,
// wrong client secrets throttled per client_id, at most one jwks_uri fetch per request, the same work for
// unknown and known client_ids, tokens and assertions issued in the future refused, malformed scopes refused.

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
const REDIRECT = 'http://hardening-app.example/redirect';
const TOKEN_URL = `${TEST_BASE_URL}/auth/token`;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const MAX_FAILURES = 3;
const WINDOW_SECONDS = 600;
const SECRET = 'a-secret-of-the-test-clients';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const LAB = 'http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

type Json = Record<string, unknown>;
interface Res {
  status: number;
  headers: Record<string, unknown>;
  body: Json;
}

function assertError(res: Res, status: number, error: string, description?: RegExp) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error, JSON.stringify(res.body));
  assert.equal(typeof res.body.error_description, 'string');
  if (description) assert.match(String(res.body.error_description), description);
  assert.match(String(res.body.error_description), /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/, 'RFC 6749 §5.2 error_description characters');
  assert.equal(res.headers['cache-control'], 'no-store');
}

/** Statements run on behalf of one request: a tally set around it (background work is not counted). */
const requestTally = new AsyncLocalStorage<{ statements: number }>();

/** A Database that counts the statements run through it (transactions included) into the current request's tally. */
function countingDatabase(db: Database): Database {
  const count = () => {
    const tally = requestTally.getStore();
    if (tally) tally.statements++;
  };
  const wrap = (client: SqlClient): SqlClient => ({
    query<R extends object>(text: string | PreparedStatement, params?: readonly unknown[]) {
      count();
      return client.query<R>(text, params);
    },
  });
  return {
    driver: db.driver,
    query<R extends object>(text: string | PreparedStatement, params?: readonly unknown[]) {
      count();
      return db.query<R>(text, params);
    },
    transaction: (fn) => db.transaction((tx) => fn(wrap(tx))),
    ping: () => db.ping(),
    close: () => db.close(),
    overloaded: () => db.overloaded(),
    // Background work (the export worker, statistics) is no request's: not counted.
    background: () => db.background(),
  };
}

const secretClient = (scope: string[], extra: Json = {}): Json => ({
  resourceType: 'Client',
  type: 'client',
  active: true,
  secret: SECRET,
  grant_types: ['client_credentials'],
  scope,
  ...extra,
});

for (const driver of drivers) {
  describe(`token endpoint hardening (${driver})`, () => {
    let portico: TestPortico;
    // The server's clock: the test moves it (never waits on it).
    let clock = Date.now();
    let host: JwksHost;
    let jwtKey: TestKey;
    const env = { CLIENT_AUTH_MAX_FAILURES: String(MAX_FAILURES), CLIENT_AUTH_FAILURE_WINDOW: String(WINDOW_SECONDS) };

    const inject = async (app: Portico['app'], method: 'GET' | 'POST' | 'PUT', url: string, options: { form?: Json; json?: Json; headers?: Record<string, string> } = {}): Promise<Res> => {
      const headers: Record<string, string> = { ...options.headers };
      let payload: string | undefined;
      if (options.form) {
        payload = new URLSearchParams(options.form as Record<string, string>).toString();
        headers['content-type'] = 'application/x-www-form-urlencoded';
      } else if (options.json) {
        payload = JSON.stringify(options.json);
        headers['content-type'] = 'application/json';
      }
      const res = await app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
      return { status: res.statusCode, headers: res.headers, body: (res.body ? res.json() : {}) as Json };
    };
    const post = (url: string, form: Json, headers: Record<string, string> = {}) => inject(portico.app, 'POST', url, { form, headers });
    const token = (form: Json, headers: Record<string, string> = {}) => post('/auth/token', form, headers);
    const admin = async (path: string, body: Json) => {
      const res = await inject(portico.app, 'PUT', path, { json: body, headers: { authorization: ROOT_BASIC } });
      assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
    };
    /** Introspection as `authorization` (HTTP Basic) or with `form` credentials. */
    const introspect = (tokenValue: unknown, authorization?: string, form: Json = {}) =>
      post('/auth/introspect', { token: String(tokenValue), ...form }, authorization ? { authorization } : {});
    const fhir = (accessToken: unknown) => inject(portico.app, 'GET', '/fhir/Patient?_count=1', { headers: { authorization: `Bearer ${String(accessToken)}` } });

    /** What the authorize endpoint does for `clientId` (a grant and its code), then the code redeemed. */
    const exchange = async (clientId: 'public-app' | 'conf-app', scope: string): Promise<Json> => {
      const code = randomBytes(32).toString('base64url');
      const verifier = randomBytes(48).toString('base64url');
      await portico.codes.create(hashToken(code), {
        grant: { id: randomUUID(), clientId, userId: 'user-1', fhirUser: 'Patient/pt-1', scope, patient: 'pt-1' },
        redirectUri: REDIRECT,
        ...(clientId === 'public-app' ? { codeChallenge: createHash('sha256').update(verifier).digest('base64url') } : {}),
        expiresAt: Math.floor(clock / 1000) + 60,
      });
      const res =
        clientId === 'public-app'
          ? await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: clientId })
          : await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: basic(clientId, SECRET) });
      assert.equal(res.status, 200, JSON.stringify(res.body));
      return res.body;
    };
    const refresh = (refreshToken: unknown, scope?: string) =>
      token({ grant_type: 'refresh_token', refresh_token: String(refreshToken), client_id: 'public-app', ...(scope !== undefined ? { scope } : {}) });
    const clientCredentials = (clientId: string, secret: string, scope = 'system/Patient.rs') =>
      token({ grant_type: 'client_credentials', scope }, { authorization: basic(clientId, secret) });
    const nowSeconds = () => Math.floor(clock / 1000);
    const assertion = (clientId: string, key: TestKey, over: JWTPayload = {}) =>
      signAssertion(key, { iss: clientId, sub: clientId, aud: TOKEN_URL, exp: nowSeconds() + 240, jti: randomUUID(), ...over });
    const jwtToken = async (clientId: string, key: TestKey, over: JWTPayload = {}) =>
      token({ grant_type: 'client_credentials', scope: 'system/Patient.rs', client_assertion_type: JWT_BEARER, client_assertion: await assertion(clientId, key, over) });

    before(async () => {
      portico = await startPortico(driver, env, { now: () => new Date(clock), wrapDatabase: countingDatabase });
      host = await startJwksHost();
      jwtKey = await testKey('hardening-key', 'ES384');
      // The codes of exchange() are user-1's: a grant is stored only for a User that exists and is active.
      await admin('/User/user-1', { resourceType: 'User', name: { givenName: 'Amy', familyName: 'Shaw' }, email: 'amy@example.org', fhirUser: 'Patient/pt-1' });
      const codeAuth = { redirect_uri: REDIRECT, refresh_token: true };
      await admin('/Client/public-app', {
        resourceType: 'Client',
        type: 'smart-app',
        active: true,
        grant_types: ['authorization_code', 'refresh_token'],
        auth: { authorization_code: { ...codeAuth, pkce: true, secret_required: false } },
      });
      await admin('/Client/conf-app', {
        resourceType: 'Client',
        type: 'smart-app',
        active: true,
        secret: SECRET,
        grant_types: ['authorization_code', 'refresh_token'],
        auth: { authorization_code: { ...codeAuth, secret_required: true } },
      });
      await admin('/Client/rs-app', secretClient(['system/Patient.rs'], { resource_server: true }));
      for (const id of ['svc-app', 'locked-app', 'clear-app', 'shared-app', 'sibling-app', 'timing-app']) await admin(`/Client/${id}`, secretClient(['system/*.rs']));
      await admin('/AccessPolicy/svc-app', { resourceType: 'AccessPolicy', engine: 'allow', link: [{ resourceType: 'Client', id: 'svc-app' }] });
      const backend = (extra: Json): Json => ({
        resourceType: 'Client',
        type: 'bulk-api-client',
        active: true,
        grant_types: ['client_credentials'],
        auth: { client_credentials: { client_assertion_types: [JWT_BEARER] } },
        scope: ['system/*.rs'],
        ...extra,
      });
      await admin('/Client/jwt-app', backend({ jwks: { keys: [jwtKey.publicJwk] } }));
      host.route('/no-store', json({ keys: [jwtKey.publicJwk] }, { 'cache-control': 'no-store' }));
      host.route('/cached', json({ keys: [jwtKey.publicJwk] }, { 'cache-control': 'max-age=300' }));
      await admin('/Client/jwks-no-store-app', backend({ jwks_uri: host.url('/no-store') }));
      await admin('/Client/jwks-cached-app', backend({ jwks_uri: host.url('/cached') }));
    });
    after(async () => {
      await portico.stop();
      await host.close();
    });

    describe('refresh: the scope is checked, by meaning, before the refresh token is spent', () => {
      it('a scope wider than the grant is invalid_scope and spends nothing: the same token then refreshes, the grant stands', async () => {
        const tokens = await exchange('public-app', 'launch/patient openid fhirUser offline_access patient/*.rs');
        const wider = await refresh(tokens.refresh_token, 'patient/*.rs user/*.rs');
        assertError(wider, 400, 'invalid_scope');
        // Nothing changed: both tokens are still active, the refresh token unspent.
        assert.equal((await introspect(tokens.access_token, ROOT_BASIC)).body.active, true);
        assert.equal((await introspect(tokens.refresh_token, ROOT_BASIC)).body.active, true);
        const retry = await refresh(tokens.refresh_token, 'patient/Observation.rs');
        assert.equal(retry.status, 200, JSON.stringify(retry.body));
        assert.equal(retry.body.scope, 'patient/Observation.rs');
        assert.equal((await introspect(retry.body.access_token, ROOT_BASIC)).body.active, true);
        assert.equal((await introspect(tokens.access_token, ROOT_BASIC)).body.active, true, 'the grant was not revoked');
      });

      it('narrowing succeeds: a type under a wildcard (v2 and v1), fewer permissions, a category under the whole type', async () => {
        const cases: [granted: string, asked: string][] = [
          ['patient/*.rs', 'patient/Observation.rs'],
          ['patient/*.read', 'patient/Observation.read'],
          ['patient/Observation.rs', 'patient/Observation.r'],
          ['patient/Observation.rs', `patient/Observation.rs?category=${LAB}`],
        ];
        for (const [granted, asked] of cases) {
          const scope = `launch/patient offline_access ${granted}`;
          const tokens = await exchange('public-app', scope);
          const narrowed = await refresh(tokens.refresh_token, asked);
          assert.equal(narrowed.status, 200, `${granted} → ${asked}: ${JSON.stringify(narrowed.body)}`);
          assert.equal(narrowed.body.scope, asked);
          assert.equal((await introspect(narrowed.body.access_token, ROOT_BASIC)).body.scope, asked, 'the access token is narrowed');
          // RFC 6749 §6: the new refresh token's scope is identical to the presented one's.
          assert.equal((await introspect(narrowed.body.refresh_token, ROOT_BASIC)).body.scope, scope);
          const again = await refresh(narrowed.body.refresh_token);
          assert.equal(again.status, 200, JSON.stringify(again.body));
          assert.equal(again.body.scope, scope, 'the whole grant can be asked for again');
        }
      });

      it('what the grant does not cover stays invalid_scope: another type, a wildcard under a type, more permissions, another category', async () => {
        const scope = `offline_access patient/Observation.rs?category=${LAB}`;
        const tokens = await exchange('public-app', scope);
        for (const asked of ['patient/Condition.rs', 'patient/*.rs', 'patient/Observation.rs', `patient/Observation.rsu?category=${LAB}`, 'user/Observation.rs', 'online_access']) {
          assertError(await refresh(tokens.refresh_token, asked), 400, 'invalid_scope');
        }
        const same = await refresh(tokens.refresh_token, scope);
        assert.equal(same.status, 200, JSON.stringify(same.body));
        assert.equal(same.body.scope, scope);
      });

      it('a spent refresh token asking a wider scope still triggers reuse detection (the grant is revoked)', async () => {
        const tokens = await exchange('public-app', 'offline_access patient/*.rs');
        const first = await refresh(tokens.refresh_token);
        assert.equal(first.status, 200, JSON.stringify(first.body));
        assertError(await refresh(tokens.refresh_token, 'user/*.cruds'), 400, 'invalid_grant', /already used/);
        assertError(await refresh(first.body.refresh_token), 400, 'invalid_grant');
        assert.deepEqual((await introspect(first.body.access_token, ROOT_BASIC)).body, { active: false });
      });
    });

    describe('malformed scopes (RFC 6749 section 3.3) are invalid_scope', () => {
      const BAD_SEPARATORS = ['\n', '\t', '\r\n', '\u00a0'];
      // A NUL is refused before the scope is read, as in every parameter: 400 invalid_request, never a redirect.
      const NUL = '\u0000';

      it('at refresh: refused, and the refresh token stays usable', async () => {
        const tokens = await exchange('public-app', 'offline_access openid patient/Observation.rs');
        for (const bad of BAD_SEPARATORS) {
          assertError(await refresh(tokens.refresh_token, `patient/Observation.rs${bad}openid`), 400, 'invalid_scope', /scope contains the character U\+/);
        }
        assertError(await refresh(tokens.refresh_token, `patient/Observation.rs${NUL}openid`), 400, 'invalid_request', /scope holds a NUL/);
        const good = await refresh(tokens.refresh_token, 'patient/Observation.rs openid');
        assert.equal(good.status, 200, JSON.stringify(good.body));
        assert.equal(good.body.scope, 'openid patient/Observation.rs');
      });

      it('at client_credentials: refused, where the same scopes separated by a space are granted', async () => {
        const good = await clientCredentials('svc-app', SECRET, 'system/Patient.rs system/Observation.rs');
        assert.equal(good.status, 200, JSON.stringify(good.body));
        assert.equal(good.body.scope, 'system/Patient.rs system/Observation.rs');
        for (const bad of BAD_SEPARATORS) {
          assertError(await clientCredentials('svc-app', SECRET, `system/Patient.rs${bad}system/Observation.rs`), 400, 'invalid_scope');
        }
        assertError(await clientCredentials('svc-app', SECRET, `system/Patient.rs${NUL}system/Observation.rs`), 400, 'invalid_request');
      });

      it('at authorize: the app gets error=invalid_scope and no code, where a clean scope gets a code', async () => {
        await seedSandboxUsers(portico.auth.users);
        await admin('/Client/launch-app', firstPartyClient('Launch App'));
        const b = browser(portico.app);
        assert.equal((await b.signIn(PATIENT_LOGIN.email, PATIENT_LOGIN.password)).statusCode, 303);
        const authorize = (scope: string) =>
          b.get(
            `/auth/authorize?${new URLSearchParams({
              response_type: 'code',
              client_id: 'launch-app',
              redirect_uri: LAUNCH_REDIRECT,
              scope,
              state: 'st',
              aud: `${TEST_BASE_URL}/fhir`,
              code_challenge: createHash('sha256').update(randomBytes(48).toString('base64url')).digest('base64url'),
              code_challenge_method: 'S256',
            }).toString()}`,
          );
        const ok = await authorize('launch/patient openid patient/Patient.rs');
        assert.equal(ok.statusCode, 302, ok.body);
        assert.ok(new URL(String(ok.headers.location)).searchParams.get('code'), String(ok.headers.location));
        for (const bad of BAD_SEPARATORS) {
          const res = await authorize(`launch/patient openid${bad}patient/Patient.rs`);
          assert.equal(res.statusCode, 302, res.body);
          const location = new URL(String(res.headers.location));
          assert.equal(`${location.origin}${location.pathname}`, LAUNCH_REDIRECT);
          assert.equal(location.searchParams.get('error'), 'invalid_scope', location.toString());
          assert.equal(location.searchParams.get('code'), null);
          assert.equal(location.searchParams.get('state'), 'st');
        }
        const nul = await authorize(`launch/patient openid${NUL}patient/Patient.rs`);
        assert.equal(nul.statusCode, 400, nul.body);
        assert.equal(nul.headers.location, undefined);
      });
    });

    describe('introspection: only for those who may see the token', () => {
      it('a confidential client sees its own tokens, and another client’s as exactly {"active": false}', async () => {
        const own = await exchange('conf-app', 'launch/patient offline_access patient/Patient.rs');
        const theirs = await exchange('public-app', 'launch/patient offline_access patient/Patient.rs');
        const mine = await introspect(own.access_token, basic('conf-app', SECRET));
        assert.equal(mine.status, 200, JSON.stringify(mine.body));
        assert.equal(mine.body.active, true);
        assert.equal(mine.body.client_id, 'conf-app');
        assert.equal((await introspect(own.refresh_token, basic('conf-app', SECRET))).body.active, true);
        // client_secret_post too.
        assert.equal((await introspect(own.access_token, undefined, { client_id: 'conf-app', client_secret: SECRET })).body.active, true);

        for (const t of [theirs.access_token, theirs.refresh_token]) {
          const foreign = await introspect(t, basic('conf-app', SECRET));
          assert.equal(foreign.status, 200);
          assert.deepEqual(foreign.body, { active: false });
        }
        // Nothing changed: the tokens are active for those who may see them.
        assert.equal((await introspect(theirs.access_token, ROOT_BASIC)).body.active, true);
      });

      it('a client marked resource_server and the root client see every token', async () => {
        const theirs = await exchange('public-app', 'launch/patient offline_access patient/Patient.rs');
        const other = await exchange('conf-app', 'launch/patient patient/Patient.rs');
        for (const authorization of [basic('rs-app', SECRET), ROOT_BASIC]) {
          for (const [t, clientId] of [
            [theirs.access_token, 'public-app'],
            [theirs.refresh_token, 'public-app'],
            [other.access_token, 'conf-app'],
          ] as const) {
            const res = await introspect(t, authorization);
            assert.equal(res.status, 200, JSON.stringify(res.body));
            assert.equal(res.body.active, true);
            assert.equal(res.body.client_id, clientId);
          }
          assert.deepEqual((await introspect('invalid_token_value', authorization)).body, { active: false });
        }
      });

      it('a public client, a bearer token, the root id with a wrong secret and no credentials are 401 invalid_client', async () => {
        const tokens = await exchange('public-app', 'launch/patient offline_access patient/Patient.rs');
        assert.equal((await introspect(tokens.access_token, ROOT_BASIC)).body.active, true);
        assertError(await introspect(tokens.access_token, undefined, { client_id: 'public-app' }), 401, 'invalid_client', /public client/);
        const bearer = await introspect(tokens.access_token, `Bearer ${String(tokens.access_token)}`);
        assertError(bearer, 401, 'invalid_client', /bearer tokens are not accepted/);
        assert.match(String(bearer.headers['www-authenticate']), /^Basic /);
        assertError(await introspect(tokens.access_token, basic('root', 'not-the-secret')), 401, 'invalid_client');
        assertError(await introspect(tokens.access_token), 401, 'invalid_client');
        // The token was not touched by any of them.
        assert.equal((await introspect(tokens.access_token, ROOT_BASIC)).body.active, true);
        assert.equal((await fhir(tokens.access_token)).status, 200);
      });

      it('resource_server is the admin’s to set: dynamic registration cannot, an RFC 7592 update keeps it', async () => {
        const theirs = await exchange('public-app', 'launch/patient offline_access patient/Patient.rs');
        const metadata = { redirect_uris: ['https://registered.example/cb'], token_endpoint_auth_method: 'client_secret_basic', scope: 'patient/Patient.rs', resource_server: true };
        const registered = await inject(portico.app, 'POST', '/auth/register', { json: metadata });
        assert.equal(registered.status, 201, JSON.stringify(registered.body));
        const id = String(registered.body.client_id);
        const credentials = basic(id, String(registered.body.client_secret));
        const stored = async () => (await inject(portico.app, 'GET', `/Client/${id}`, { headers: { authorization: ROOT_BASIC } })).body;
        assert.equal((await stored()).resource_server, undefined, 'not taken from registration metadata');
        assert.deepEqual((await introspect(theirs.access_token, credentials)).body, { active: false });

        await admin(`/Client/${id}`, { ...(await stored()), resource_server: true });
        assert.equal((await introspect(theirs.access_token, credentials)).body.active, true);
        const update = await inject(portico.app, 'PUT', new URL(String(registered.body.registration_client_uri)).pathname, {
          json: { ...metadata, client_id: id },
          headers: { authorization: `Bearer ${String(registered.body.registration_access_token)}` },
        });
        assert.equal(update.status, 200, JSON.stringify(update.body));
        assert.equal((await stored()).resource_server, true);
        assert.equal((await introspect(theirs.access_token, credentials)).body.active, true);
      });

      it('resource_server is validated: a boolean, and never on a public client (nothing stored)', async () => {
        await admin('/Client/rs-candidate', secretClient(['system/Patient.rs'], { resource_server: true }));
        const stored = await inject(portico.app, 'GET', '/Client/rs-candidate', { headers: { authorization: ROOT_BASIC } });
        assert.equal(stored.body.resource_server, true);
        for (const body of [
          { resourceType: 'Client', auth: { authorization_code: { pkce: true, secret_required: false, redirect_uri: REDIRECT } }, grant_types: ['authorization_code'], resource_server: true },
          secretClient(['system/Patient.rs'], { resource_server: 'yes' }),
        ]) {
          const res = await inject(portico.app, 'PUT', '/Client/rs-refused', { json: body, headers: { authorization: ROOT_BASIC } });
          assert.equal(res.status, 422, JSON.stringify(res.body));
          assert.equal(res.body.resourceType, 'OperationOutcome');
          assert.match(JSON.stringify(res.body), /resource_server/);
        }
        assert.equal((await inject(portico.app, 'GET', '/Client/rs-refused', { headers: { authorization: ROOT_BASIC } })).status, 404);
      });
    });

    describe('wrong client secrets are throttled per client_id', () => {
      it(`after ${MAX_FAILURES} failures: refused with Retry-After (HTTP Basic: 401 and its challenge; client_secret_post: 429), the right secret too, an unknown client_id alike; the window's end lets the client in`, async () => {
        assert.equal((await clientCredentials('locked-app', SECRET)).status, 200);
        const failures: Res[] = [];
        for (let i = 0; i < MAX_FAILURES; i++) {
          const wrong = await clientCredentials('locked-app', `wrong-${i}`);
          assertError(wrong, 401, 'invalid_client');
          assert.equal(wrong.headers['retry-after'], undefined);
          failures.push(wrong);
        }
        const throttled = await clientCredentials('locked-app', 'wrong-again');
        // RFC 6749 section 5.2: a client that used HTTP Basic gets 401 with WWW-Authenticate.
        assertError(throttled, 401, 'invalid_client', /too many failed client authentications/);
        assert.equal(throttled.headers['retry-after'], String(WINDOW_SECONDS));
        assert.match(String(throttled.headers['www-authenticate']), /^Basic realm=/);
        // The right secret gets the same answer.
        const right = await clientCredentials('locked-app', SECRET);
        assert.equal(right.status, 401);
        assert.deepEqual(right.body, throttled.body);
        assert.equal(right.headers['retry-after'], throttled.headers['retry-after']);
        // client_secret_post: 429, no challenge.
        const posted = await token({ grant_type: 'client_credentials', scope: 'system/Patient.rs', client_id: 'locked-app', client_secret: SECRET });
        assertError(posted, 429, 'invalid_client', /too many failed client authentications/);
        assert.equal(posted.headers['retry-after'], String(WINDOW_SECONDS));
        assert.equal(posted.headers['www-authenticate'], undefined);

        // An unknown client_id is counted and answered exactly as a known one.
        for (let i = 0; i < MAX_FAILURES; i++) {
          const unknown = await clientCredentials('no-such-app', `wrong-${i}`);
          assert.equal(unknown.status, 401);
          assert.deepEqual(unknown.body, failures[i]?.body);
        }
        const unknownThrottled = await clientCredentials('no-such-app', 'wrong-again');
        assert.equal(unknownThrottled.status, 401);
        assert.deepEqual(unknownThrottled.body, throttled.body);
        assert.equal(unknownThrottled.headers['retry-after'], throttled.headers['retry-after']);

        // Other clients are not affected.
        assert.equal((await clientCredentials('svc-app', SECRET)).status, 200);
        clock += (WINDOW_SECONDS + 1) * 1000;
        const later = await clientCredentials('locked-app', SECRET);
        assert.equal(later.status, 200, JSON.stringify(later.body));
      });

      it('a success does not clear the count: a guesser gets no fresh allowance between a client’s requests', async () => {
        for (let i = 0; i < MAX_FAILURES - 1; i++) assertError(await clientCredentials('clear-app', 'wrong'), 401, 'invalid_client');
        assert.equal((await clientCredentials('clear-app', SECRET)).status, 200);
        assertError(await clientCredentials('clear-app', 'wrong'), 401, 'invalid_client', /invalid client credentials/);
        assertError(await clientCredentials('clear-app', 'wrong'), 401, 'invalid_client', /too many failed client authentications/);
        assertError(await clientCredentials('clear-app', SECRET), 401, 'invalid_client', /too many failed client authentications/);
      });

      it('introspection and revocation count with the token endpoint', async () => {
        const own = await clientCredentials('shared-app', SECRET);
        assert.equal(own.status, 200);
        assert.equal((await introspect(own.body.access_token, basic('shared-app', SECRET))).body.active, true);
        assertError(await introspect(own.body.access_token, basic('shared-app', 'wrong')), 401, 'invalid_client');
        assertError(await introspect(own.body.access_token, undefined, { client_id: 'shared-app', client_secret: 'wrong' }), 401, 'invalid_client');
        assertError(await post('/auth/revoke', { token: String(own.body.access_token) }, { authorization: basic('shared-app', 'wrong') }), 401, 'invalid_client');
        const introspection = await introspect(own.body.access_token, basic('shared-app', SECRET));
        assertError(introspection, 401, 'invalid_client', /too many failed client authentications/);
        assert.equal(introspection.headers['retry-after'], String(WINDOW_SECONDS));
        assertError(await introspect(own.body.access_token, undefined, { client_id: 'shared-app', client_secret: SECRET }), 429, 'invalid_client');
        assertError(await post('/auth/revoke', { token: String(own.body.access_token) }, { authorization: basic('shared-app', SECRET) }), 401, 'invalid_client', /too many/);
        assertError(await clientCredentials('shared-app', SECRET), 401, 'invalid_client', /too many/);
        // The refused revocation revoked nothing.
        assert.equal((await introspect(own.body.access_token, ROOT_BASIC)).body.active, true);
      });

      it('private_key_jwt failures are not counted (a signature cannot be guessed; a lockout would only let anyone stop a backend client)', async () => {
        const stranger = await testKey('hardening-key', 'ES384');
        for (let i = 0; i < MAX_FAILURES + 2; i++) assertError(await jwtToken('jwt-app', stranger), 401, 'invalid_client');
        const res = await jwtToken('jwt-app', jwtKey);
        assert.equal(res.status, 200, JSON.stringify(res.body));
      });

      if (driver === 'postgres') {
        it('the count is kept in the database: failures through another process lock this one out too', async () => {
          assert.equal((await clientCredentials('sibling-app', SECRET)).status, 200);
          const sibling = await startSibling(portico, env, { now: () => new Date(clock) });
          try {
            for (let i = 0; i < MAX_FAILURES; i++) {
              const res = await inject(sibling.app, 'POST', '/auth/token', { form: { grant_type: 'client_credentials', scope: 'system/Patient.rs' }, headers: { authorization: basic('sibling-app', 'wrong') } });
              assertError(res, 401, 'invalid_client');
            }
          } finally {
            await sibling.close();
          }
          assertError(await clientCredentials('sibling-app', SECRET), 401, 'invalid_client', /too many failed client authentications/);
        });
      }
    });

    describe('a jwks_uri is fetched at most once per token request', () => {
      it('no-store: a known kid costs one fetch per request, and an unknown kid one fetch too, not two', async () => {
        const hits = () => host.hits('/no-store');
        const before = hits();
        assert.equal((await jwtToken('jwks-no-store-app', jwtKey)).status, 200);
        assert.equal(hits() - before, 1);
        assert.equal((await jwtToken('jwks-no-store-app', jwtKey)).status, 200);
        assert.equal(hits() - before, 2, 'no-store: never reused');
        const rotated = await testKey('not-published', 'ES384');
        assertError(await jwtToken('jwks-no-store-app', rotated), 401, 'invalid_client', /kid/);
        assert.equal(hits() - before, 3, 'the set fetched for this request is not fetched again for its unknown kid');
      });

      it('a cached key set is still fetched again (once) for an unknown kid, as a key rotation needs', async () => {
        const hits = () => host.hits('/cached');
        const before = hits();
        assert.equal((await jwtToken('jwks-cached-app', jwtKey)).status, 200);
        assert.equal((await jwtToken('jwks-cached-app', jwtKey)).status, 200);
        assert.equal(hits() - before, 1, 'max-age=300: cached');
        const rotated = await testKey('rotated-kid', 'ES384');
        host.route('/cached', json({ keys: [jwtKey.publicJwk, rotated.publicJwk] }, { 'cache-control': 'max-age=300' }));
        const res = await jwtToken('jwks-cached-app', rotated);
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(hits() - before, 2);
      });
    });

    describe('an unknown client_id costs the same work as a known one with a wrong secret', () => {
      it('the same statements and the same answer, once both were asked before', async () => {
        const attempt = async (clientId: string) => {
          const tally = { statements: 0 };
          const res = await requestTally.run(tally, () => clientCredentials(clientId, 'wrong'));
          return { res, statements: tally.statements };
        };
        // Warm-up: the first answer of each may read the database (the Client read cache, the counters' purge).
        assert.equal((await attempt('timing-app')).res.status, 401);
        assert.equal((await attempt('timing-nobody')).res.status, 401);
        const known = await attempt('timing-app');
        const unknown = await attempt('timing-nobody');
        assertError(known.res, 401, 'invalid_client');
        assert.deepEqual(unknown.res.body, known.res.body);
        assert.equal(unknown.res.status, known.res.status);
        assert.ok(known.statements > 0, 'the attempt is counted in the database');
        assert.equal(unknown.statements, known.statements, 'the same statements for an unknown client_id');
      });
    });

    describe('access tokens and client assertions issued in the future are refused', () => {
      it('an access token whose iat is more than 60 s ahead is invalid_token on the FHIR API and inactive at introspection', async () => {
        const now = clock;
        try {
          clock = now + 30_000;
          const slightlyAhead = await clientCredentials('svc-app', SECRET);
          clock = now + 3_600_000;
          const farAhead = await clientCredentials('svc-app', SECRET);
          clock = now;
          assert.equal(slightlyAhead.status, 200);
          assert.equal(farAhead.status, 200);
          // Clocks 30 s apart still agree.
          assert.equal((await fhir(slightlyAhead.body.access_token)).status, 200);
          assert.equal((await introspect(slightlyAhead.body.access_token, ROOT_BASIC)).body.active, true);
          const refused = await fhir(farAhead.body.access_token);
          assert.equal(refused.status, 401, JSON.stringify(refused.body));
          assert.match(String(refused.headers['www-authenticate']), /invalid_token/);
          assert.match(String(refused.headers['www-authenticate']), /not valid yet/);
          assert.deepEqual((await introspect(farAhead.body.access_token, ROOT_BASIC)).body, { active: false });
          // Once our clock reaches it, the same token works: it was refused for its iat alone.
          clock = now + 3_600_000;
          assert.equal((await fhir(farAhead.body.access_token)).status, 200);
        } finally {
          clock = Math.max(clock, now);
        }
      });

      it('a client assertion whose iat is more than 60 s ahead is invalid_client (RFC 7523 section 3)', async () => {
        assert.equal((await jwtToken('jwt-app', jwtKey)).status, 200, 'no iat at all');
        assert.equal((await jwtToken('jwt-app', jwtKey, { iat: nowSeconds() + 30 })).status, 200, 'an iat 30 s ahead');
        assertError(await jwtToken('jwt-app', jwtKey, { iat: nowSeconds() + 3600 }), 401, 'invalid_client', /iat/);
        assertError(await jwtToken('jwt-app', jwtKey, { iat: nowSeconds() + 61 }), 401, 'invalid_client', /iat/);
      });
    });
  });
}
