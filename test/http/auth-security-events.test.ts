import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { JWTPayload } from 'jose';
import type { RecordedAuditEvent } from '../../src/fhir/audit/audit-trail.ts';
import type { Database, SqlClient } from '../../src/storage/database.ts';
import type { PreparedStatement } from '../../src/storage/prepared-statement.ts';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { signAssertion, testKey, type TestKey } from '../auth/support/client-auth-fixtures.ts';
import { auditEvents } from '../support/audit-read.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { ROOT_BASIC, tokenRequest } from './launch-flow-support.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

// The authorization server's security events, through HTTP: each flow's event with its type, subtype, outcome,
// agents and entities, at the tenant whose issuer handled it; never a token, code, password or assertion.

const REDIRECT = 'http://audit-app.example/redirect';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
const USER_SYSTEM = 'http://portico.example.org/fhir/sid/user';
const CLIENT_SYSTEM = 'http://portico.example.org/fhir/sid/client';
const GRANT_SYSTEM = 'http://portico.example.org/fhir/sid/grant';
const DORA = { email: 'dora@audit.example', password: 'dora-audit-password' };
const LOCKED = { email: 'locked@audit.example', password: 'locked-audit-password' };
const ALICE = { email: 'alice@acme.example', password: 'alice-of-acme-password' };
const SECRET = 'confidential-audit-secret-0123456789';
const ADDRESS = '203.0.113.44';

const consentApp = (extra: Record<string, unknown> = {}) => ({
  resourceType: 'Client',
  active: true,
  name: 'Audit App',
  type: 'smart-app',
  grant_types: ['authorization_code', 'refresh_token'],
  scope: ['openid', 'fhirUser', 'offline_access', 'user/Patient.rs'],
  auth: { authorization_code: { redirect_uri: REDIRECT, refresh_token: true, secret_required: false, pkce: true } },
  ...extra,
});

/** A pool whose INSERTs into audit_event fail while `failing` is set: the trail being unable to commit. */
function auditFailure() {
  const state = { failing: false };
  const refuse = (text: string | PreparedStatement) => state.failing && (typeof text === 'string' ? text : text.text).includes('INSERT INTO audit_event');
  const wrapClient = (client: SqlClient): SqlClient => ({
    query<R extends object>(text: string | PreparedStatement, params?: readonly unknown[]) {
      if (refuse(text)) return Promise.reject(new Error('audit_event is not writable'));
      return client.query<R>(text, params);
    },
  });
  const wrap = (db: Database): Database => ({
    ...wrapClient(db),
    driver: db.driver,
    transaction: (fn) => db.transaction((tx) => fn(wrapClient(tx))),
    ping: () => db.ping(),
    close: () => db.close(),
    overloaded: () => db.overloaded(),
    background: () => db.background(),
  });
  return { state, wrap };
}

const codes = (event: RecordedAuditEvent) => (event.subtype ?? []).map((c) => c.code);
const userAgent = (event: RecordedAuditEvent) => event.agent.find((a) => a.who?.identifier?.system === USER_SYSTEM);
const clientAgent = (event: RecordedAuditEvent) => event.agent.find((a) => a.who?.identifier?.system === CLIENT_SYSTEM);
const grantOf = (event: RecordedAuditEvent) => event.entity?.find((e) => e.what?.identifier?.system === GRANT_SYSTEM);
const addressOf = (event: RecordedAuditEvent) => event.agent.find((a) => a.network)?.network?.address;

for (const driver of drivers) {
  describe(`security events of the authorization server's flows (${driver})`, () => {
    let portico: TestPortico;
    let backendKey: TestKey;
    let attackerKey: TestKey;
    const failure = auditFailure();
    /** Everything secret the tests handled: none may appear in any event. */
    const secrets = new Set<string>([DORA.password, LOCKED.password, ALICE.password, SECRET, 'not-the-password']);
    const keep = (...values: unknown[]) => values.forEach((v) => typeof v === 'string' && v !== '' && secrets.add(v));

    before(async () => {
      portico = await startPortico(driver, { LOGIN_MAX_FAILURES: '2' }, { wrapDatabase: failure.wrap });
      backendKey = await testKey('backend-key', 'ES384');
      attackerKey = await testKey('backend-key', 'ES384');
      const root = adminHttp(portico.app);
      const put = async (url: string, body: unknown) => {
        const res = await root('PUT', url, { body });
        assert.ok(res.status === 200 || res.status === 201, `${url}: ${res.text}`);
      };
      await put('/Tenant/acme', { name: 'Acme Health' });
      await put('/User/dora', { ...DORA, fhirUser: 'Practitioner/dr-dora', roles: ['practitioner'] });
      await put('/User/locked', { ...LOCKED, fhirUser: 'Practitioner/dr-locked', roles: ['practitioner'] });
      await put('/User/alice', { ...ALICE, fhirUser: 'Practitioner/dr-alice', roles: ['practitioner'], meta: { _tenant: 'acme' } });
      await put('/Client/audit-app', consentApp());
      await put('/Client/acme-app', consentApp({ first_party: true, meta: { _tenant: 'acme' } }));
      await put('/Client/secret-app', { ...consentApp(), secret: SECRET, auth: { authorization_code: { redirect_uri: REDIRECT, refresh_token: true } } });
      await put('/Client/backend', {
        resourceType: 'Client',
        active: true,
        type: 'bulk-api-client',
        grant_types: ['client_credentials'],
        scope: ['system/*.read'],
        auth: { client_credentials: { client_assertion_types: [JWT_BEARER], access_token_expiration: 300, token_format: 'jwt' } },
        jwks: { keys: [backendKey.publicJwk] },
      });
    });
    after(() => portico.stop());

    /** The newest event of a tenant with this Portico subtype. */
    const latest = async (subtype: string, tenant = 'default'): Promise<RecordedAuditEvent> => {
      const events = await auditEvents(portico, { subtype }, tenant);
      const event = events.at(-1);
      assert.ok(event, `no ${subtype} event at ${tenant}`);
      return event;
    };
    const count = async (subtype: string, tenant = 'default') => (await auditEvents(portico, { subtype }, tenant)).length;

    const signedIn = async (who: { email: string; password: string }, prefix = ''): Promise<Browser> => {
      const b = browser(portico.app, ADDRESS);
      const page = await b.get(`${prefix}/auth/login`);
      const res = await b.post(`${prefix}/auth/login`, { username: who.email, password: who.password, csrf_token: csrfTokenIn(page.body), return_to: `${prefix}/` });
      assert.equal(res.statusCode, 303, res.body);
      return b;
    };

    /** Starts an authorization request of `clientId`; answers its first page (consent, or the redirect) and its verifier. */
    const authorize = async (b: Browser, clientId: string, prefix = '') => {
      const verifier = randomBytes(48).toString('base64url');
      const params = new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: REDIRECT,
        scope: 'openid fhirUser offline_access user/Patient.rs',
        state: 'audit-state',
        aud: `${TEST_BASE_URL}${prefix}/fhir`,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      });
      return { page: await b.get(`${prefix}/auth/authorize?${params.toString()}`), verifier };
    };
    /** Answers the consent page: Allow with every box it checked, or Deny. */
    const decide = (b: Browser, page: LightMyRequestResponse, decision: 'allow' | 'deny') => {
      const request = (/name="authorize_request" value="([^"]+)"/.exec(page.body)?.[1] ?? '').replace(/&amp;/g, '&');
      const form = new URLSearchParams({ csrf_token: csrfTokenIn(page.body), authorize_request: request, decision });
      for (const m of page.body.matchAll(/name="scope" value="([^"]*)" checked/g)) form.append('scope', (m[1] ?? '').replace(/&amp;/g, '&'));
      return portico.app.inject({
        method: 'POST',
        url: '/auth/authorize/decision',
        remoteAddress: ADDRESS,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.jar.header() },
        payload: form.toString(),
      });
    };
    const codeOf = (res: LightMyRequestResponse) => {
      assert.ok(res.statusCode === 302 || res.statusCode === 303, res.body);
      const code = new URL(String(res.headers.location)).searchParams.get('code');
      assert.ok(code, String(res.headers.location));
      keep(code);
      return code;
    };
    const exchange = (code: string, verifier: string, clientId = 'audit-app', prefix = '') =>
      portico.app.inject({
        method: 'POST',
        url: `${prefix}/auth/token`,
        remoteAddress: ADDRESS,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'authorization_code', code, redirect_uri: REDIRECT, client_id: clientId, code_verifier: verifier }).toString(),
      });
    const assertion = async (over: JWTPayload = {}, key = backendKey) => {
      const jwt = await signAssertion(key, { iss: 'backend', sub: 'backend', aud: `${TEST_BASE_URL}/auth/token`, exp: Math.floor(Date.now() / 1000) + 240, jti: randomUUID(), ...over });
      keep(jwt);
      return jwt;
    };
    const backendToken = (jwt: string) =>
      portico.app.inject({
        method: 'POST',
        url: '/auth/token',
        remoteAddress: ADDRESS,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.read', client_assertion_type: JWT_BEARER, client_assertion: jwt }).toString(),
      });

    it('sign-in, a wrong password, an unknown user and sign-out are recorded with the user, the address and the reason', async () => {
      const b = await signedIn(DORA);
      const signIn = await latest('sign-in');
      assert.equal(signIn.type.code, '110114');
      assert.deepEqual(codes(signIn), ['110122', 'sign-in']);
      assert.equal(signIn.subtype?.[0]?.system, DICOM);
      assert.equal(signIn.outcome, '0');
      assert.equal(signIn.action, 'E');
      assert.equal(userAgent(signIn)?.who?.identifier?.value, 'dora');
      assert.equal(userAgent(signIn)?.who?.reference, 'Practitioner/dr-dora');
      assert.equal(addressOf(signIn), ADDRESS);
      assert.equal(signIn.source.site, TEST_BASE_URL);

      const other = browser(portico.app, ADDRESS);
      const form = await other.get('/auth/login');
      const refused = await other.post('/auth/login', { username: DORA.email, password: 'not-the-password', csrf_token: csrfTokenIn(form.body) });
      assert.equal(refused.statusCode, 401);
      const failed = await latest('sign-in-failed');
      assert.deepEqual(codes(failed), ['110122', 'sign-in-failed']);
      assert.equal(failed.outcome, '4');
      assert.equal(failed.outcomeDesc, 'wrong password');
      assert.equal(userAgent(failed)?.who?.identifier?.value, 'dora');

      const unknown = await other.post('/auth/login', { username: 'nobody@audit.example', password: 'not-the-password', csrf_token: csrfTokenIn(form.body) });
      assert.equal(unknown.statusCode, 401);
      const nobody = await latest('sign-in-failed');
      assert.equal(nobody.outcomeDesc, 'unknown user');
      assert.equal(userAgent(nobody), undefined);
      assert.equal(addressOf(nobody), ADDRESS);
      assert.doesNotMatch(JSON.stringify(nobody), /nobody@audit\.example/);

      const logoutPage = await b.get('/auth/logout');
      const out = await b.post('/auth/logout', { csrf_token: csrfTokenIn(logoutPage.body) });
      assert.equal(out.statusCode, 200);
      const signOut = await latest('sign-out');
      assert.deepEqual(codes(signOut), ['110123', 'sign-out']);
      assert.equal(signOut.outcome, '0');
      assert.equal(userAgent(signOut)?.who?.identifier?.value, 'dora');
    });

    it('the sign-in throttle refusing an attempt is recorded as a lockout', async () => {
      const b = browser(portico.app, '203.0.113.45');
      const form = await b.get('/auth/login');
      const attempt = (password: string) => b.post('/auth/login', { username: LOCKED.email, password, csrf_token: csrfTokenIn(form.body) });
      assert.equal((await attempt('not-the-password')).statusCode, 401);
      assert.equal((await attempt('not-the-password')).statusCode, 401);
      assert.equal(await count('lockout'), 0);
      const throttled = await attempt(LOCKED.password);
      assert.equal(throttled.statusCode, 429);
      const lockout = await latest('lockout');
      assert.deepEqual(codes(lockout), ['110122', 'lockout']);
      assert.equal(lockout.outcome, '4');
      assert.match(lockout.outcomeDesc ?? '', /too many sign-in attempts/);
      assert.equal(addressOf(lockout), '203.0.113.45');
    });

    it('consent denied, consent granted with its scopes, the code issued by grant id, the tokens issued for it', async () => {
      const b = await signedIn(DORA);
      const denied = await authorize(b, 'audit-app');
      assert.equal(denied.page.statusCode, 200, denied.page.body);
      const deny = await decide(b, denied.page, 'deny');
      assert.equal(deny.statusCode, 303);
      assert.equal(new URL(String(deny.headers.location)).searchParams.get('error'), 'access_denied');
      const refusal = await latest('consent-denied');
      assert.equal(refusal.type.code, '110113');
      assert.equal(refusal.outcome, '4');
      assert.equal(refusal.outcomeDesc, 'the user denied access');
      assert.equal(clientAgent(refusal)?.who?.identifier?.value, 'audit-app');
      assert.equal(userAgent(refusal)?.who?.identifier?.value, 'dora');

      const { page, verifier } = await authorize(b, 'audit-app');
      const code = codeOf(await decide(b, page, 'allow'));
      const consent = await latest('consent-granted');
      assert.equal(consent.outcome, '0');
      const scope = consent.entity?.find((e) => e.name === 'client')?.detail?.find((d) => d.type === 'scope')?.valueString;
      assert.match(scope ?? '', /user\/Patient\.rs/);
      const issuedCode = await latest('code-issued');
      const grantId = grantOf(issuedCode)?.what?.identifier?.value;
      assert.ok(grantId);
      assert.equal(userAgent(issuedCode)?.who?.reference, 'Practitioner/dr-dora');
      assert.equal(addressOf(issuedCode), ADDRESS);

      const token = await exchange(code, verifier);
      assert.equal(token.statusCode, 200, token.body);
      const body = token.json<Record<string, string>>();
      keep(body.access_token, body.refresh_token, body.id_token);
      const issued = await latest('token-issued');
      assert.equal(issued.outcome, '0');
      assert.equal(grantOf(issued)?.what?.identifier?.value, grantId);
      assert.deepEqual(grantOf(issued)?.detail, [
        { type: 'scope', valueString: body.scope },
        { type: 'grant_type', valueString: 'authorization_code' },
      ]);
      assert.equal(userAgent(issued)?.who?.identifier?.value, 'dora');
      assert.equal(clientAgent(issued)?.who?.identifier?.value, 'audit-app');
      assert.equal(addressOf(issued), ADDRESS);

      // The same code again: reuse, outcome 8, its grant revoked.
      const again = await exchange(code, verifier);
      assert.equal(again.statusCode, 400);
      assert.equal(again.json<Record<string, string>>().error, 'invalid_grant');
      const reuse = await latest('code-reuse');
      assert.equal(reuse.outcome, '8');
      assert.equal(grantOf(reuse)?.what?.identifier?.value, grantId);
    });

    it('a refresh, then the spent refresh token again: token-refreshed, then refresh-reuse with outcome 8', async () => {
      const b = await signedIn(DORA);
      const { page, verifier } = await authorize(b, 'audit-app');
      const first = await exchange(codeOf(await decide(b, page, 'allow')), verifier);
      assert.equal(first.statusCode, 200, first.body);
      const spent = first.json<Record<string, string>>().refresh_token;
      keep(spent, first.json<Record<string, string>>().access_token);
      const grantId = grantOf(await latest('token-issued'))?.what?.identifier?.value;

      const refreshed = await tokenRequest(portico.app, { grant_type: 'refresh_token', refresh_token: String(spent), client_id: 'audit-app' });
      assert.equal(refreshed.statusCode, 200, refreshed.body);
      keep(refreshed.json<Record<string, string>>().refresh_token, refreshed.json<Record<string, string>>().access_token);
      const event = await latest('token-refreshed');
      assert.equal(event.outcome, '0');
      assert.equal(grantOf(event)?.what?.identifier?.value, grantId);

      const replay = await tokenRequest(portico.app, { grant_type: 'refresh_token', refresh_token: String(spent), client_id: 'audit-app' });
      assert.equal(replay.statusCode, 400);
      const reuse = await latest('refresh-reuse');
      assert.deepEqual(codes(reuse), ['refresh-reuse']);
      assert.equal(reuse.outcome, '8');
      assert.equal(grantOf(reuse)?.what?.identifier?.value, grantId);
      assert.equal(clientAgent(reuse)?.who?.identifier?.value, 'audit-app');
    });

    it('a refused code exchange is token-refused with the error code; a wrong client secret is client-auth-failed', async () => {
      const b = await signedIn(DORA);
      const { page, verifier } = await authorize(b, 'audit-app');
      const code = codeOf(await decide(b, page, 'allow'));
      const wrongVerifier = await exchange(code, `${verifier}x`);
      assert.equal(wrongVerifier.statusCode, 400);
      const refused = await latest('token-refused');
      assert.equal(refused.outcome, '4');
      assert.match(refused.outcomeDesc ?? '', /^invalid_grant: /);
      assert.equal(clientAgent(refused)?.who?.identifier?.value, 'audit-app');

      const right = await tokenRequest(portico.app, { token: 'unknown-token' }, '/auth/revoke', { authorization: basic('secret-app', SECRET) });
      assert.equal(right.statusCode, 200, right.body);
      const revokedNothing = await latest('token-revoked');
      assert.equal(clientAgent(revokedNothing)?.who?.identifier?.value, 'secret-app');
      assert.equal(grantOf(revokedNothing), undefined);
      const wrong = await tokenRequest(portico.app, { token: 'unknown-token' }, '/auth/revoke', { authorization: basic('secret-app', 'not-the-secret') });
      assert.equal(wrong.statusCode, 401);
      const failed = await latest('client-auth-failed');
      assert.equal(failed.outcome, '4');
      assert.equal(failed.outcomeDesc, 'invalid client credentials');
      assert.equal(failed.entity?.find((e) => e.name === 'client')?.what?.identifier?.value, 'secret-app');
      assert.equal(clientAgent(failed), undefined, 'an unauthenticated client is no agent');
    });

    it('introspection and revocation are recorded by grant id', async () => {
      const b = await signedIn(DORA);
      const { page, verifier } = await authorize(b, 'audit-app');
      const token = await exchange(codeOf(await decide(b, page, 'allow')), verifier);
      const { access_token: accessToken, refresh_token: refreshToken } = token.json<Record<string, string>>();
      keep(accessToken, refreshToken);
      const grantId = grantOf(await latest('token-issued'))?.what?.identifier?.value;

      const active = await tokenRequest(portico.app, { token: String(accessToken) }, '/auth/introspect', { authorization: ROOT_BASIC });
      assert.equal(active.json<Record<string, unknown>>().active, true);
      const introspected = await latest('token-introspected');
      assert.equal(introspected.outcomeDesc, 'active');
      assert.equal(grantOf(introspected)?.what?.identifier?.value, grantId);
      assert.equal(clientAgent(introspected)?.who?.identifier?.value, 'root');

      const revoke = await tokenRequest(portico.app, { token: String(refreshToken), client_id: 'audit-app' }, '/auth/revoke');
      assert.equal(revoke.statusCode, 200, revoke.body);
      const revoked = await latest('token-revoked');
      assert.equal(revoked.outcome, '0');
      assert.equal(grantOf(revoked)?.what?.identifier?.value, grantId);

      const inactive = await tokenRequest(portico.app, { token: String(accessToken) }, '/auth/introspect', { authorization: ROOT_BASIC });
      assert.deepEqual(inactive.json(), { active: false });
      const after = await latest('token-introspected');
      assert.equal(after.outcomeDesc, 'inactive');
      assert.equal(grantOf(after), undefined);
    });

    it('client_credentials: the token issued, then a replayed, a foreign-signed, a misaddressed and an expired assertion, each with its reason', async () => {
      const jwt = await assertion();
      const ok = await backendToken(jwt);
      assert.equal(ok.statusCode, 200, ok.body);
      keep(ok.json<Record<string, string>>().access_token);
      const issued = await latest('token-issued');
      assert.equal(clientAgent(issued)?.who?.identifier?.value, 'backend');
      assert.equal(clientAgent(issued)?.requestor, true);
      assert.equal(grantOf(issued)?.detail?.find((d) => d.type === 'grant_type')?.valueString, 'client_credentials');

      const cases: [string, Promise<string>, RegExp][] = [
        ['replayed', Promise.resolve(jwt), /jti has already been used/],
        ['foreign-signed', assertion({}, attackerKey), /signature does not verify/],
        ['misaddressed', assertion({ aud: `${TEST_BASE_URL}/t/acme/auth/token` }), /aud must be the token endpoint URL/],
        ['expired', assertion({ exp: Math.floor(Date.now() / 1000) - 600 }), /has expired/],
      ];
      for (const [name, made, reason] of cases) {
        const res = await backendToken(await made);
        assert.equal(res.statusCode, 401, `${name}: ${res.body}`);
        const failed = await latest('client-auth-failed');
        assert.equal(failed.outcome, '4', name);
        assert.match(failed.outcomeDesc ?? '', reason, name);
        assert.equal(failed.entity?.find((e) => e.name === 'client')?.what?.identifier?.value, 'backend', name);
        assert.equal(addressOf(failed), ADDRESS, name);
      }
    });

    it("a tenant's flows land in that tenant, with its issuer as the source, and not in default", async () => {
      const defaultSignIns = await count('sign-in');
      const defaultIssued = await count('token-issued');
      const b = await signedIn(ALICE, '/t/acme');
      const { page, verifier } = await authorize(b, 'acme-app', '/t/acme');
      const token = await exchange(codeOf(page), verifier, 'acme-app', '/t/acme');
      assert.equal(token.statusCode, 200, token.body);
      keep(token.json<Record<string, string>>().access_token, token.json<Record<string, string>>().refresh_token);

      const signIn = await latest('sign-in', 'acme');
      assert.equal(userAgent(signIn)?.who?.identifier?.value, 'alice');
      assert.equal(signIn.source.site, `${TEST_BASE_URL}/t/acme`);
      const issued = await latest('token-issued', 'acme');
      assert.equal(clientAgent(issued)?.who?.identifier?.value, 'acme-app');
      assert.equal(grantOf(issued)?.what?.identifier?.value, grantOf(await latest('code-issued', 'acme'))?.what?.identifier?.value);
      assert.equal(await count('consent-granted', 'acme'), 0, 'a first-party app asks no consent');
      assert.equal(await count('sign-in'), defaultSignIns);
      assert.equal(await count('token-issued'), defaultIssued);
      // At the default tenant, beside the FHIR API's records of this test's own searches, only the root issuer's events.
      const defaults = (await auditEvents(portico, {}, 'default')).filter((e) => e.type.code !== 'rest');
      assert.ok(defaults.length > 0 && defaults.every((e) => e.source.site === TEST_BASE_URL));
    });

    it('when the event cannot be committed, the request fails with 503 temporarily_unavailable and hands out no token', async () => {
      const ok = await backendToken(await assertion());
      assert.equal(ok.statusCode, 200, ok.body);
      keep(ok.json<Record<string, string>>().access_token);
      const issuedBefore = await count('token-issued');
      failure.state.failing = true;
      try {
        const res = await backendToken(await assertion());
        assert.equal(res.statusCode, 503, res.body);
        assert.equal(res.json<Record<string, string>>().error, 'temporarily_unavailable');
        assert.ok(res.headers['retry-after']);
        assert.doesNotMatch(res.body, /access_token/);
        const page = await browser(portico.app, ADDRESS).get('/auth/login');
        assert.equal(page.statusCode, 200);
      } finally {
        failure.state.failing = false;
      }
      assert.equal(await count('token-issued'), issuedBefore);
    });

    it('no event holds a token, a code, a password, a client secret or an assertion', async () => {
      const all = [...(await auditEvents(portico, {}, 'default')), ...(await auditEvents(portico, {}, 'acme'))];
      assert.ok(all.length > 20, `${all.length} events`);
      const text = JSON.stringify(all);
      assert.ok(secrets.size > 15, `${secrets.size} secrets collected`);
      for (const secret of secrets) assert.ok(!text.includes(secret), `an event holds ${secret.slice(0, 12)}…`);
    });
  });
}
