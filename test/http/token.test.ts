import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, decodeJwt, exportJWK, generateKeyPair, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import type { AuthorizationCodeRecord, Grant } from '../../src/auth/grants/grant.ts';
import { hashToken } from '../../src/auth/tokens/token-hash.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
const REDIRECT = 'http://smart-app-uri.com/redirect';
const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const TOKEN_URL = `${TEST_BASE_URL}/auth/token`;
const CONF_SECRET = 'quOfCRS7ty1RMUQq';
const CONF_BASIC = `Basic ${Buffer.from(`conf-app:${CONF_SECRET}`).toString('base64')}`;
const PATIENT_SCOPE = 'launch/patient openid fhirUser offline_access patient/Patient.read patient/Observation.rs';

type Json = Record<string, unknown>;
interface Res {
  status: number;
  headers: Record<string, unknown>;
  body: Json;
}

// Seed 002's public and confidential Clients (the confidential one without PKCE, to test both paths).
const PUBLIC_CLIENT = {
  resourceType: 'Client',
  active: true,
  auth: { authorization_code: { redirect_uri: REDIRECT, refresh_token: true, token_format: 'jwt', access_token_expiration: 3600000, secret_required: false, pkce: true } },
  smart: { launch_uri: 'http://smart-app-launch-endpoint/launch.html' },
  type: 'smart-app',
  grant_types: ['code'],
};
const CONFIDENTIAL_CLIENT = {
  resourceType: 'Client',
  active: true,
  auth: { authorization_code: { redirect_uri: REDIRECT, refresh_token: true, token_format: 'jwt', access_token_expiration: 600, secret_required: true } },
  secret: CONF_SECRET,
  type: 'smart-app',
  grant_types: ['code'],
};

const verifierFor = () => randomBytes(48).toString('base64url');
const challengeOf = (verifier: string) => createHash('sha256').update(verifier).digest('base64url');

function harness(portico: TestPortico) {
  const inject = async (method: 'GET' | 'POST' | 'PUT', url: string, options: { form?: Json; json?: Json; raw?: string; headers?: Record<string, string> } = {}): Promise<Res> => {
    const headers: Record<string, string> = { ...options.headers };
    let payload: string | undefined;
    if (options.form) {
      payload = new URLSearchParams(options.form as Record<string, string>).toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else if (options.json) {
      payload = JSON.stringify(options.json);
      headers['content-type'] = 'application/json';
    } else if (options.raw !== undefined) {
      payload = options.raw;
    }
    const res = await portico.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
    return { status: res.statusCode, headers: res.headers, body: (res.body ? res.json() : {}) as Json };
  };
  const putClient = async (id: string, client: Json) => {
    const res = await inject('PUT', `/Client/${id}`, { json: client, headers: { authorization: ROOT_BASIC } });
    assert.ok(res.status === 200 || res.status === 201, JSON.stringify(res.body));
  };
  /** What the authorize endpoint will do: a grant and a code for it. */
  const issueCode = async (clientId: string, options: { challenge?: string; scope?: string; grant?: Partial<Grant>; expiresIn?: number } = {}) => {
    const code = randomBytes(32).toString('base64url');
    const record: AuthorizationCodeRecord = {
      grant: {
        id: randomUUID(),
        clientId,
        userId: 'user-1',
        fhirUser: 'Patient/pt-1',
        scope: options.scope ?? PATIENT_SCOPE,
        patient: 'pt-1',
        needPatientBanner: true,
        authTime: Math.floor(Date.now() / 1000) - 5,
        nonce: 'n-0S6_WzA2Mj',
        ...options.grant,
      },
      redirectUri: REDIRECT,
      ...(options.challenge ? { codeChallenge: options.challenge } : {}),
      expiresAt: Math.floor(Date.now() / 1000) + (options.expiresIn ?? 60),
    };
    await portico.codes.create(hashToken(code), record);
    return { code, record };
  };
  const token = (form: Json, headers: Record<string, string> = {}) => inject('POST', '/auth/token', { form, headers });
  /** A public-client code exchange with PKCE. */
  const publicExchange = async (options: { scope?: string; grant?: Partial<Grant> } = {}) => {
    const verifier = verifierFor();
    const { code } = await issueCode('public-app', { challenge: challengeOf(verifier), ...options });
    const res = await token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: 'public-app' });
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const jwks = async () => (await inject('GET', '/.well-known/jwks.json')).body as unknown as JSONWebKeySet;
  return { inject, putClient, issueCode, token, publicExchange, jwks };
}

function assertError(res: Res, status: number, error: string) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error, JSON.stringify(res.body));
  assert.equal(typeof res.body.error_description, 'string');
  assert.equal(res.headers['cache-control'], 'no-store');
  assert.equal(res.headers.pragma, 'no-cache');
}

async function backendKeys() {
  const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid: 'backend-key-1', alg: 'ES384', use: 'sig' };
  const assertion = (clientId: string, overrides: Json = {}) =>
    new SignJWT({ jti: randomUUID(), ...overrides })
      .setProtectedHeader({ alg: 'ES384', kid: 'backend-key-1', typ: 'JWT' })
      .setIssuer(clientId)
      .setSubject(clientId)
      .setAudience(TOKEN_URL)
      .setIssuedAt()
      .setExpirationTime('4m')
      .sign(privateKey);
  return { jwk, assertion };
}

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

for (const driver of drivers) {
  describe(`token endpoint (${driver})`, () => {
    let portico: TestPortico;
    let h: ReturnType<typeof harness>;
    let backend: Awaited<ReturnType<typeof backendKeys>>;
    let jwksServer: Server;

    before(async () => {
      portico = await startPortico(driver);
      h = harness(portico);
      backend = await backendKeys();
      // The codes below are the user-1's: a grant is stored only for a User that exists and is active.
      const user = await h.inject('PUT', '/User/user-1', { json: { resourceType: 'User', name: { givenName: 'Amy', familyName: 'Shaw' }, email: 'amy@example.org', fhirUser: 'Patient/pt-1' }, headers: { authorization: ROOT_BASIC } });
      assert.equal(user.status, 201, JSON.stringify(user.body));
      await h.putClient('public-app', PUBLIC_CLIENT);
      await h.putClient('conf-app', CONFIDENTIAL_CLIENT);
      await h.putClient('backend-app', {
        resourceType: 'Client',
        type: 'bulk-api-client',
        active: true,
        auth: { client_credentials: { client_assertion_types: [JWT_BEARER], access_token_expiration: 900, token_format: 'jwt' } },
        scope: ['system/*.read', 'system/Patient.rs'],
        jwks: { keys: [backend.jwk] },
        grant_types: ['client_credentials'],
      });
      // Seed 004's bulk client, its jwks_uri served from loopback.
      jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [backend.jwk] })));
      await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
      const port = (jwksServer.address() as AddressInfo).port;
      await h.putClient('inferno-my-clinic-bulk-client', {
        type: 'bulk-api-client',
        active: true,
        auth: { client_credentials: { client_assertion_types: [JWT_BEARER], access_token_expiration: 300, token_format: 'jwt' } },
        scope: ['system/*.read'],
        jwks_uri: `http://127.0.0.1:${port}/.well-known/jwks.json`,
        grant_types: ['client_credentials'],
      });
    });
    after(async () => {
      await portico.stop();
      await new Promise((resolve) => jwksServer.close(resolve));
    });

    describe('authorization_code', () => {
      it('exchanges a code (form body, public client with PKCE): the response as SMART and Inferno expect', async () => {
        const verifier = verifierFor();
        const { code } = await h.issueCode('public-app', { challenge: challengeOf(verifier) });
        const res = await h.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier, client_id: 'public-app' });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.match(String(res.headers['content-type']), /^application\/json/);
        assert.equal(res.headers['cache-control'], 'no-store');
        assert.equal(res.headers.pragma, 'no-cache');
        const b = res.body;
        assert.equal(b.token_type, 'Bearer');
        assert.equal(b.expires_in, 3600, 'the Client asks 3600000 s, capped at ACCESS_TOKEN_MAX_LIFETIME');
        assert.equal(b.scope, PATIENT_SCOPE);
        assert.equal(b.patient, 'pt-1');
        assert.equal(b.need_patient_banner, true);
        assert.equal(b.smart_style_url, `${TEST_BASE_URL}/auth/smart-style.json`, "the server's style document");
        assert.equal(typeof b.refresh_token, 'string');
        assert.match(String(b.access_token), /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'URL-safe');

        // The access token verifies with the published JWKS and carries the contract claims.
        const keySet = createLocalJWKSet(await h.jwks());
        const { payload, protectedHeader } = await jwtVerify(String(b.access_token), keySet, { issuer: TEST_BASE_URL, audience: FHIR_BASE });
        assert.equal(typeof protectedHeader.kid, 'string');
        assert.equal(payload.sub, 'user-1');
        assert.equal(payload.client_id, 'public-app');
        assert.equal(payload.scope, PATIENT_SCOPE);
        assert.equal(payload.patient, 'pt-1');
        assert.equal(payload.fhirUser, 'Patient/pt-1');
        assert.equal(typeof payload.grant, 'string');
        assert.equal(typeof payload.jti, 'string');
        assert.equal((payload.exp ?? 0) - (payload.iat ?? 0), 3600);

        // The id_token: RS256, kid, iss = issuer, aud = client_id, nonce, absolute fhirUser.
        const id = await jwtVerify(String(b.id_token), keySet, { issuer: TEST_BASE_URL, audience: 'public-app', algorithms: ['RS256'] });
        assert.equal(typeof id.protectedHeader.kid, 'string');
        assert.equal(id.payload.sub, 'user-1');
        assert.equal(id.payload.nonce, 'n-0S6_WzA2Mj');
        assert.equal(id.payload.fhirUser, `${FHIR_BASE}/Patient/pt-1`);
        assert.equal(typeof id.payload.auth_time, 'number');
        assert.equal(typeof id.payload.exp, 'number');
      });

      it('accepts a JSON body as seed 002 sends it', async () => {
        const verifier = verifierFor();
        const { code } = await h.issueCode('public-app', { challenge: challengeOf(verifier) });
        const res = await h.inject('POST', '/auth/token', {
          json: { client_id: 'public-app', code, code_verifier: verifier, grant_type: 'authorization_code', redirect_uri: REDIRECT },
          headers: { accept: 'application/json' },
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.token_type, 'Bearer');
      });

      it('confidential client with client_secret_basic; no refresh token without offline_access, no id_token without openid', async () => {
        const { code } = await h.issueCode('conf-app', { scope: 'launch/patient patient/Patient.read' });
        const res = await h.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: CONF_BASIC });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.expires_in, 600);
        assert.equal(res.body.scope, 'launch/patient patient/Patient.read');
        assert.equal(res.body.refresh_token, undefined);
        assert.equal(res.body.id_token, undefined);
      });

      it('a confidential client failing authentication gets 401 invalid_client and its code stays usable', async () => {
        const { code } = await h.issueCode('conf-app');
        const bad = await h.token(
          { grant_type: 'authorization_code', code, redirect_uri: REDIRECT },
          { authorization: `Basic ${Buffer.from('BAD_CLIENT_ID:' + CONF_SECRET).toString('base64')}` },
        );
        assertError(bad, 401, 'invalid_client');
        const noAuth = await h.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'conf-app' });
        assertError(noAuth, 401, 'invalid_client');
        const good = await h.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: CONF_BASIC });
        assert.equal(good.status, 200, JSON.stringify(good.body));
      });

      it('PKCE: missing, blank, wrong, malformed verifier and the challenge itself are invalid_grant', async () => {
        for (const bad of [undefined, '', verifierFor(), 'short', 'challenge']) {
          const verifier = verifierFor();
          const challenge = challengeOf(verifier);
          const { code } = await h.issueCode('public-app', { challenge });
          const form: Json = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'public-app' };
          if (bad !== undefined) form.code_verifier = bad === 'challenge' ? challenge : bad;
          assertError(await h.token(form), 400, 'invalid_grant');
        }
      });

      it('PKCE is required for public clients: a code without a challenge is refused', async () => {
        const { code } = await h.issueCode('public-app');
        assertError(await h.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: 'public-app', code_verifier: verifierFor() }), 400, 'invalid_grant');
      });

      it('a bad code, an expired code, a redirect_uri mismatch and another client are invalid_grant', async () => {
        assertError(await h.token({ grant_type: 'authorization_code', code: 'BAD_CODE', redirect_uri: REDIRECT }, { authorization: CONF_BASIC }), 400, 'invalid_grant');
        const expired = await h.issueCode('conf-app', { expiresIn: -1 });
        assertError(await h.token({ grant_type: 'authorization_code', code: expired.code, redirect_uri: REDIRECT }, { authorization: CONF_BASIC }), 400, 'invalid_grant');
        const mismatch = await h.issueCode('conf-app');
        assertError(await h.token({ grant_type: 'authorization_code', code: mismatch.code, redirect_uri: `${REDIRECT}/other` }, { authorization: CONF_BASIC }), 400, 'invalid_grant');
        const other = await h.issueCode('public-app');
        assertError(await h.token({ grant_type: 'authorization_code', code: other.code, redirect_uri: REDIRECT }, { authorization: CONF_BASIC }), 400, 'invalid_grant');
      });

      it('a second redemption fails and revokes the tokens of the first', async () => {
        const { code } = await h.issueCode('conf-app', { scope: 'openid fhirUser offline_access patient/Patient.read' });
        const first = await h.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: CONF_BASIC });
        assert.equal(first.status, 200);
        const introspect = (t: unknown) => h.inject('POST', '/auth/introspect', { form: { token: String(t) }, headers: { authorization: CONF_BASIC } });
        assert.equal((await introspect(first.body.access_token)).body.active, true);
        assertError(await h.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: CONF_BASIC }), 400, 'invalid_grant');
        assert.deepEqual((await introspect(first.body.access_token)).body, { active: false });
        assert.deepEqual((await introspect(first.body.refresh_token)).body, { active: false });
        assertError(await h.token({ grant_type: 'refresh_token', refresh_token: String(first.body.refresh_token) }, { authorization: CONF_BASIC }), 400, 'invalid_grant');
      });

      it('under concurrent redemption exactly one succeeds', async () => {
        const { code } = await h.issueCode('conf-app');
        const results = await Promise.all(
          Array.from({ length: 5 }, () => h.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: CONF_BASIC })),
        );
        assert.equal(results.filter((r) => r.status === 200).length, 1, results.map((r) => r.status).join(','));
        for (const r of results.filter((x) => x.status !== 200)) assertError(r, 400, 'invalid_grant');
      });
    });

    describe('request errors', () => {
      it('unknown or missing grant_type; bad bodies', async () => {
        assertError(await h.token({ grant_type: 'not_a_grant_type', client_id: 'public-app' }), 400, 'unsupported_grant_type');
        assertError(await h.token({ client_id: 'public-app' }), 400, 'invalid_request');
        assertError(await h.inject('POST', '/auth/token', { raw: 'grant_type=refresh_token&grant_type=refresh_token', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 400, 'invalid_request');
        assertError(await h.inject('POST', '/auth/token', { raw: '<x/>', headers: { 'content-type': 'text/xml' } }), 400, 'invalid_request');
        assertError(await h.inject('POST', '/auth/token', { raw: '{"grant_type": ', headers: { 'content-type': 'application/json' } }), 400, 'invalid_request');
        assertError(await h.inject('POST', '/auth/token', { json: { grant_type: ['x'] } }), 400, 'invalid_request');
      });
    });

    describe('refresh_token', () => {
      it('rotates: a new refresh token each time, scope kept; the old one then fails and revokes the whole grant', async () => {
        const first = await h.publicExchange();
        const r1 = await h.token({ grant_type: 'refresh_token', refresh_token: String(first.refresh_token), client_id: 'public-app' });
        assert.equal(r1.status, 200, JSON.stringify(r1.body));
        assert.equal(r1.headers['cache-control'], 'no-store');
        assert.equal(r1.headers.pragma, 'no-cache');
        assert.equal(r1.body.scope, PATIENT_SCOPE);
        assert.equal(r1.body.patient, 'pt-1');
        assert.equal(typeof r1.body.expires_in, 'number');
        assert.equal(typeof r1.body.refresh_token, 'string');
        assert.notEqual(r1.body.refresh_token, first.refresh_token);

        // Replaying the rotated token: refused, and every token of the grant dies.
        const replay = await h.token({ grant_type: 'refresh_token', refresh_token: String(first.refresh_token), client_id: 'public-app' });
        assertError(replay, 400, 'invalid_grant');
        const after = await h.token({ grant_type: 'refresh_token', refresh_token: String(r1.body.refresh_token), client_id: 'public-app' });
        assertError(after, 400, 'invalid_grant');
        const info = await h.inject('POST', '/auth/introspect', { form: { token: String(r1.body.access_token) }, headers: { authorization: ROOT_BASIC } });
        assert.deepEqual(info.body, { active: false });
      });

      it('JSON body as seed 002; a scope repeating the grant (launch/OIDC scopes included) or a subset is accepted, more is invalid_scope', async () => {
        const first = await h.publicExchange();
        const same = await h.inject('POST', '/auth/token', { json: { grant_type: 'refresh_token', refresh_token: String(first.refresh_token), client_id: 'public-app', scope: PATIENT_SCOPE } });
        assert.equal(same.status, 200, JSON.stringify(same.body));
        assert.equal(same.body.scope, PATIENT_SCOPE);

        const narrower = await h.token({ grant_type: 'refresh_token', refresh_token: String(same.body.refresh_token), client_id: 'public-app', scope: 'offline_access patient/Patient.read openid' });
        assert.equal(narrower.status, 200, JSON.stringify(narrower.body));
        assert.equal(narrower.body.scope, 'openid offline_access patient/Patient.read', 'a token-wise subset, spelled as granted');

        // The rotated refresh token keeps the whole grant (RFC 6749 §6); more than that is refused.
        const wider = await h.token({ grant_type: 'refresh_token', refresh_token: String(narrower.body.refresh_token), client_id: 'public-app', scope: 'patient/Condition.rs' });
        assertError(wider, 400, 'invalid_scope');
      });

      it('a random refresh token is invalid_grant; a refresh token of another client is invalid_grant', async () => {
        assertError(await h.token({ grant_type: 'refresh_token', refresh_token: randomUUID(), client_id: 'public-app' }), 400, 'invalid_grant');
        const first = await h.publicExchange();
        const stolen = await h.token({ grant_type: 'refresh_token', refresh_token: String(first.refresh_token) }, { authorization: CONF_BASIC });
        assertError(stolen, 400, 'invalid_grant');
        // The rightful client still can.
        const own = await h.token({ grant_type: 'refresh_token', refresh_token: String(first.refresh_token), client_id: 'public-app' });
        assert.equal(own.status, 200);
      });

      it("a public client's refresh needs no client_id: the refresh token names its client (RFC 6749 §6); a confidential one must authenticate", async () => {
        const first = await h.publicExchange();
        const bare = await h.token({ grant_type: 'refresh_token', refresh_token: String(first.refresh_token) });
        assert.equal(bare.status, 200, JSON.stringify(bare.body));
        assert.equal(bare.body.scope, PATIENT_SCOPE);
        // An unknown refresh token names no client: client_id is still required.
        assertError(await h.token({ grant_type: 'refresh_token', refresh_token: randomUUID() }), 400, 'invalid_request');

        const { code } = await h.issueCode('conf-app', { scope: 'launch/patient offline_access patient/Patient.read' });
        const confidential = await h.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: CONF_BASIC });
        assert.equal(confidential.status, 200, JSON.stringify(confidential.body));
        const refreshToken = String(confidential.body.refresh_token);
        assertError(await h.token({ grant_type: 'refresh_token', refresh_token: refreshToken }), 401, 'invalid_client');
        // Not spent by the refusal: its client, authenticating, refreshes.
        const own = await h.token({ grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: CONF_BASIC });
        assert.equal(own.status, 200, JSON.stringify(own.body));
      });

      it('online_access also gets a refresh token', async () => {
        const res = await h.publicExchange({ scope: 'launch/patient online_access patient/Patient.read' });
        assert.equal(typeof res.refresh_token, 'string');
        assert.equal(res.id_token, undefined);
      });
    });

    describe('client_credentials', () => {
      it('a private_key_jwt client gets the system/ scopes it is registered for, no refresh token', async () => {
        const res = await h.token({
          grant_type: 'client_credentials',
          scope: 'system/Patient.rs system/Observation.read patient/Patient.read',
          client_assertion_type: JWT_BEARER,
          client_assertion: await backend.assertion('backend-app'),
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.headers['cache-control'], 'no-store');
        assert.equal(res.body.token_type, 'Bearer');
        assert.equal(res.body.expires_in, 900);
        assert.equal(res.body.scope, 'system/Patient.rs system/Observation.read');
        assert.equal(res.body.refresh_token, undefined);
        // No user, no user interface: none of the user-launch members.
        for (const member of ['smart_style_url', 'need_patient_banner', 'userinfo', 'id_token', 'patient']) assert.equal(res.body[member], undefined, member);
        const { payload } = await jwtVerify(String(res.body.access_token), createLocalJWKSet(await h.jwks()), { issuer: TEST_BASE_URL, audience: FHIR_BASE });
        assert.equal(payload.sub, 'backend-app');
        assert.equal(payload.client_id, 'backend-app');
      });

      it("seed 004's bulk client (keys at its jwks_uri): 300 s tokens as the seed shows", async () => {
        const res = await h.token({
          client_assertion: await backend.assertion('inferno-my-clinic-bulk-client'),
          client_assertion_type: JWT_BEARER,
          grant_type: 'client_credentials',
          scope: 'system/*.read',
        });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.expires_in, 300);
        assert.equal(res.body.scope, 'system/*.read');
        assert.equal(decodeJwt(String(res.body.access_token)).client_id, 'inferno-my-clinic-bulk-client');
      });

      it('errors: no scope, no grantable scope, a public client, a bad assertion type, a wrong iss', async () => {
        const form = async (extra: Json) => ({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: await backend.assertion('backend-app'), ...extra });
        assertError(await h.token(await form({})), 400, 'invalid_request');
        assertError(await h.token(await form({ scope: 'patient/*.read user/*.read' })), 400, 'invalid_scope');
        assertError(await h.token(await form({ scope: 'system/*.read', client_assertion_type: 'not_an_assertion_type' })), 401, 'invalid_client');
        const wrongIss = await h.token({ grant_type: 'client_credentials', scope: 'system/*.read', client_assertion_type: JWT_BEARER, client_assertion: await backend.assertion('not_a_valid_iss') });
        assertError(wrongIss, 401, 'invalid_client');
        assertError(await h.token({ grant_type: 'client_credentials', scope: 'system/*.read', client_id: 'public-app' }), 400, 'unauthorized_client');
        assertError(await h.token({ grant_type: 'client_credentials', scope: 'system/*.read' }, { authorization: CONF_BASIC }), 400, 'unauthorized_client');
      });
    });

    describe('introspection, revocation, userinfo', () => {
      it('introspects an active access token with the launch data; anything else is exactly {"active": false}', async () => {
        const tokens = await h.publicExchange();
        const id = decodeJwt(String(tokens.id_token));
        const res = await h.inject('POST', '/auth/introspect', { form: { token: String(tokens.access_token) }, headers: { authorization: ROOT_BASIC, accept: 'application/json' } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        const b = res.body;
        assert.equal(b.active, true);
        assert.equal(b.client_id, 'public-app');
        assert.equal(b.scope, tokens.scope);
        assert.equal(b.patient, 'pt-1');
        assert.equal(b.iss, id.iss);
        assert.equal(b.sub, id.sub);
        assert.equal(b.fhirUser, id.fhirUser);
        assert.equal(b.token_type, 'Bearer');
        assert.ok(typeof b.exp === 'number' && b.exp > Date.now() / 1000);
        assert.equal(typeof b.iat, 'number');

        const inactive = await h.inject('POST', '/auth/introspect', { form: { token: 'invalid_token_value' }, headers: { authorization: CONF_BASIC } });
        assert.equal(inactive.status, 200);
        assert.deepEqual(inactive.body, { active: false });
        // A token of ours with a forged signature.
        const [head, body] = String(tokens.access_token).split('.');
        const forged = await h.inject('POST', '/auth/introspect', { form: { token: `${head}.${body}.${randomBytes(64).toString('base64url')}` }, headers: { authorization: ROOT_BASIC } });
        assert.deepEqual(forged.body, { active: false });
      });

      it('introspects refresh tokens; no credentials, a public client or a bearer token is 401 invalid_client', async () => {
        const tokens = await h.publicExchange();
        const res = await h.inject('POST', '/auth/introspect', { form: { token: String(tokens.refresh_token), token_type_hint: 'refresh_token' }, headers: { authorization: ROOT_BASIC } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.active, true);
        assert.equal(res.body.client_id, 'public-app');
        assert.equal(res.body.scope, PATIENT_SCOPE);

        const anonymous = await h.inject('POST', '/auth/introspect', { form: { token: String(tokens.access_token) } });
        assertError(anonymous, 401, 'invalid_client');
        const publicClient = await h.inject('POST', '/auth/introspect', { form: { token: String(tokens.access_token), client_id: 'public-app' } });
        assertError(publicClient, 401, 'invalid_client');
        const bearer = await h.inject('POST', '/auth/introspect', { form: { token: String(tokens.refresh_token) }, headers: { authorization: `Bearer ${String(tokens.access_token)}` } });
        assertError(bearer, 401, 'invalid_client');
      });

      it('revocation: an access token revokes its grant at once (refresh token too); unknown tokens are 200', async () => {
        const tokens = await h.publicExchange();
        const unknown = await h.inject('POST', '/auth/revoke', { form: { token: 'never-issued', client_id: 'public-app' } });
        assert.equal(unknown.status, 200);
        const res = await h.inject('POST', '/auth/revoke', { form: { token: String(tokens.access_token), token_type_hint: 'access_token', client_id: 'public-app' } });
        assert.equal(res.status, 200);
        assert.equal(res.headers['cache-control'], 'no-store');
        const check = (t: unknown) => h.inject('POST', '/auth/introspect', { form: { token: String(t) }, headers: { authorization: ROOT_BASIC } });
        assert.deepEqual((await check(tokens.access_token)).body, { active: false });
        assert.deepEqual((await check(tokens.refresh_token)).body, { active: false });
        assertError(await h.token({ grant_type: 'refresh_token', refresh_token: String(tokens.refresh_token), client_id: 'public-app' }), 400, 'invalid_grant');
        const userinfo = await h.inject('GET', '/auth/userinfo', { headers: { authorization: `Bearer ${String(tokens.access_token)}` } });
        assertError(userinfo, 401, 'invalid_token');
      });

      it('revocation of a refresh token: another client cannot revoke it, nor can an unauthenticated caller; its own client can', async () => {
        // conf-app's grant (its user and patient exist), so conf-app may introspect its own tokens.
        await h.inject('PUT', '/User/user-1', { json: { resourceType: 'User', name: { givenName: 'Amy', familyName: 'Shaw' }, email: 'amy@example.org', fhirUser: 'Patient/pt-1' }, headers: { authorization: ROOT_BASIC } });
        const patient = await h.inject('PUT', '/fhir/Patient/pt-1', { json: { resourceType: 'Patient', id: 'pt-1' }, headers: { authorization: ROOT_BASIC } });
        assert.ok(patient.status === 200 || patient.status === 201, JSON.stringify(patient.body));
        const { code } = await h.issueCode('conf-app');
        const exchanged = await h.token({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT }, { authorization: CONF_BASIC });
        assert.equal(exchanged.status, 200, JSON.stringify(exchanged.body));
        const refreshToken = String(exchanged.body.refresh_token);
        const read = () => h.inject('GET', '/fhir/Patient/pt-1', { headers: { authorization: `Bearer ${String(exchanged.body.access_token)}` } });
        const introspect = (t: string) => h.inject('POST', '/auth/introspect', { form: { token: t }, headers: { authorization: CONF_BASIC } });
        const assertWorks = async (when: string) => {
          assert.equal((await read()).status, 200, when);
          const info = await introspect(refreshToken);
          assert.equal(info.status, 200, when);
          assert.equal(info.body.active, true, `${when}: ${JSON.stringify(info.body)}`);
          assert.equal(info.body.client_id, 'conf-app');
          assert.equal((await introspect(String(exchanged.body.access_token))).body.active, true, when);
        };
        await assertWorks('before any revocation');

        // RFC 7009 §2.1: another client, authenticated, is refused the token of conf-app.
        const foreign = await h.inject('POST', '/auth/revoke', { form: { token: refreshToken, token_type_hint: 'refresh_token', client_id: 'public-app' } });
        assertError(foreign, 400, 'unauthorized_client');
        const anonymous = await h.inject('POST', '/auth/revoke', { form: { token: refreshToken, client_id: 'conf-app' } });
        assertError(anonymous, 401, 'invalid_client');
        await assertWorks('after the refused revocations');

        // Its own client revokes it: the grant ends, the access token with it.
        const res = await h.inject('POST', '/auth/revoke', { form: { token: refreshToken, token_type_hint: 'refresh_token' }, headers: { authorization: CONF_BASIC } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.deepEqual((await introspect(refreshToken)).body, { active: false });
        assert.deepEqual((await introspect(String(exchanged.body.access_token))).body, { active: false });
        assert.equal((await read()).status, 401);
        assertError(await h.token({ grant_type: 'refresh_token', refresh_token: refreshToken }, { authorization: CONF_BASIC }), 400, 'invalid_grant');
      });

      it('userinfo: sub, fhirUser, name and email for an openid token (as the token response tells them); 401 otherwise', async () => {
        await h.inject('PUT', '/User/user-1', { json: { resourceType: 'User', name: { givenName: 'Amy', familyName: 'Shaw' }, email: 'amy@example.org', fhirUser: 'Patient/pt-1' }, headers: { authorization: ROOT_BASIC } });
        const tokens = await h.publicExchange({ scope: 'openid fhirUser profile launch/patient patient/Patient.read' });
        for (const method of ['GET', 'POST'] as const) {
          const res = await h.inject(method, '/auth/userinfo', { headers: { authorization: `Bearer ${String(tokens.access_token)}` } });
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.equal(res.body.sub, 'user-1');
          assert.equal(res.body.fhirUser, `${FHIR_BASE}/Patient/pt-1`);
          assert.equal(res.body.email, 'amy@example.org');
          assert.equal(res.body.name, 'Amy Shaw');
        }
        // Without profile too: seed 002's token response tells name and email to an openid grant, and the endpoint agrees.
        const plain = await h.publicExchange({ scope: 'openid fhirUser launch/patient patient/Patient.read' });
        const noProfile = await h.inject('GET', '/auth/userinfo', { headers: { authorization: `Bearer ${String(plain.access_token)}` } });
        const member = plain.userinfo as Json;
        assert.equal(noProfile.body.sub, member.sub);
        assert.equal(noProfile.body.email, member.email);
        assert.equal(noProfile.body.name, 'Amy Shaw');
        assert.deepEqual(member.name, { givenName: 'Amy', familyName: 'Shaw' });
        assert.deepEqual(member.fhirUser, { resourceType: 'Patient', id: 'pt-1' });
        const none = await h.inject('GET', '/auth/userinfo');
        assertError(none, 401, 'invalid_token');
        assert.match(String(none.headers['www-authenticate']), /^Bearer /);
        assertError(await h.inject('GET', '/auth/userinfo', { headers: { authorization: 'Bearer not.a.token' } }), 401, 'invalid_token');
      });
    });
  });
}
