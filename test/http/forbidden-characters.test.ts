import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import type { JWTPayload } from 'jose';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import {
  describeForbidden,
  findForbiddenValue,
  findInAuthorization,
  findInJws,
  findInUrl,
  findInUrlEncoded,
  type ForbiddenText,
} from '../../src/http/forbidden-characters.ts';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { signAssertion, testKey, type TestKey } from '../auth/support/client-auth-fixtures.ts';
import { fhirClient, ROOT_AUTHORIZATION, type FhirClient, type FhirReply } from '../support/fhir-client.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { browser, csrfTokenIn } from './login-support.ts';

// NUL bytes and lone UTF-16 surrogates (and, where the protocol forbids them, other control characters,
// malformed percent-encoding and bytes that are not UTF-8) are refused at the edge of every surface with
// that surface's own 400, never a 500; legitimate non-ASCII text (é, 中文, emoji as surrogate pairs) passes.

const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const TOKEN_URL = `${TEST_BASE_URL}/auth/token`;
const REDIRECT = 'http://smart-app.example/redirect';
const LAUNCH_URI = 'http://smart-app.example/launch';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SVC_SECRET = 'svc-secret-0123456789';
const PATIENT = { email: 'patient@sandbox.portico.test', password: 'sandbox-patient-password' };
/** A sandbox user who may have any patient in context (a patient user has only their own). */
const PRACTITIONER_EMAIL = 'practitioner@sandbox.portico.test';
/** Text every surface must keep exactly: accents, CJK, an emoji (a valid surrogate pair), U+FFFD itself. */
const UNICODE = 'Zoë 中文 😀 \uFFFD';
/** The JSON text of a string holding a lone high surrogate, as a client's JSON encoder writes it. */
const LONE_HIGH = '"\\ud800"';
/** RFC 6749 §5.2: error_description is %x20-21 / %x23-5B / %x5D-7E. */
const DESCRIPTION_CHARS = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;

type Json = Record<string, unknown>;

const WEB_APP = {
  resourceType: 'Client',
  active: true,
  name: 'Web App',
  auth: { authorization_code: { redirect_uri: REDIRECT, refresh_token: true, secret_required: false, pkce: true } },
  smart: { launch_uri: LAUNCH_URI },
  type: 'smart-app',
  grant_types: ['code'],
};

const authorizeQuery = (overrides: Record<string, string> = {}) =>
  new URLSearchParams({
    response_type: 'code',
    client_id: 'web-app',
    redirect_uri: REDIRECT,
    scope: 'launch/patient patient/Patient.rs',
    state: 'st ate+/%&=ü-1',
    aud: FHIR_BASE,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
    ...overrides,
  }).toString();

/** The HTML surface's 400: its "Request refused" page, never a redirect. */
function assertRefusedPage(res: LightMyRequestResponse): void {
  assert.equal(res.statusCode, 400, res.body);
  assert.match(String(res.headers['content-type']), /^text\/html/);
  assert.equal(res.headers.location, undefined);
  assert.match(res.body, /<h1>Request refused<\/h1>/);
}

/** An RFC 6749 / RFC 7591 JSON error naming what was refused, in error_description's characters only. */
function assertOAuthError(res: LightMyRequestResponse, status: number, error: string, what: RegExp): void {
  assert.equal(res.statusCode, status, res.body);
  const body = res.json<Json>();
  assert.equal(body.error, error, res.body);
  const description = String(body.error_description);
  assert.match(description, what);
  assert.match(description, DESCRIPTION_CHARS);
  assert.equal(res.headers['cache-control'], 'no-store');
}

/** A 400 OperationOutcome with this issue code. */
function assertOutcome(res: Pick<FhirReply, 'status' | 'body' | 'text'>, code: 'invalid' | 'structure', what: RegExp): void {
  assert.equal(res.status, 400, res.text);
  assert.equal(res.body?.resourceType, 'OperationOutcome', res.text);
  assert.equal(res.body.issue[0].code, code, res.text);
  assert.match(res.body.issue[0].diagnostics, what);
}

const inject = (portico: TestPortico, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers: Record<string, string> = {}, payload?: string | Buffer) =>
  portico.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const JSON_TYPE = { 'content-type': 'application/json' };
/** Bytes that are not UTF-8 (a lone continuation byte and 0xFF) inside otherwise plain text. */
const notUtf8 = (before: string, after: string) => Buffer.concat([Buffer.from(before), Buffer.from([0x80, 0xff]), Buffer.from(after)]);

describe('forbidden characters: the finder', () => {
  const found = (f: ForbiddenText | undefined) => (f ? describeForbidden(f) : undefined);

  it('passes legitimate text: accents, CJK, emoji pairs, U+FFFD, tabs and newlines under the text rule', () => {
    assert.equal(findForbiddenValue({ name: [UNICODE, 'tab\tand\r\nnewline'], [UNICODE]: { '😀': '\uD83D\uDE00' } }, 'text', 'the body', 64), undefined);
    assert.equal(findInUrl(`/fhir/Patient?name=${encodeURIComponent(UNICODE)}&given=a+b&x=%2500`), undefined);
    assert.equal(findInAuthorization(basic('zoë', 'pass wörd 😀'), { formEncodedBasic: true }), undefined);
  });

  it('finds NUL and lone surrogates in values and keys, with where they are', () => {
    assert.equal(found(findForbiddenValue({ name: [{ family: 'a\u0000b' }] }, 'text', 'the JSON body', 64)), 'The JSON body at name[0].family holds a NUL character (U+0000)');
    assert.equal(found(findForbiddenValue({ a: ['\uD800'] }, 'text', 'the JSON body', 64)), 'The JSON body at a[0] holds a lone UTF-16 surrogate (U+D800)');
    assert.equal(found(findForbiddenValue('x\uDC00', 'text', 'the JSON body', 64)), 'The JSON body holds a lone UTF-16 surrogate (U+DC00)');
    // A pair in the wrong order is two lone surrogates.
    assert.equal(found(findForbiddenValue('\uDE00\uD83D', 'text', 'the JSON body', 64)), 'The JSON body holds a lone UTF-16 surrogate (U+DE00)');
    assert.equal(found(findForbiddenValue({ a: { 'k\u0000': 1 } }, 'text', 'the JSON body', 64)), 'A key of the JSON body at a holds a NUL character (U+0000)');
    assert.equal(findForbiddenValue('bell\u0007', 'text', 'the value', 64), undefined);
    assert.equal(found(findForbiddenValue('bell\u0007', 'controls', 'the value', 64)), 'The value holds a control character (U+0007)');
    assert.equal(found(findForbiddenValue('del\u007F', 'controls', 'the value', 64)), 'The value holds a control character (U+007F)');
  });

  it('walks without recursion: values nested deeper than the limit, however deep or cyclic, are a finding of their own', () => {
    const nested = (depth: number) => JSON.parse(`${'['.repeat(depth)}"a"${']'.repeat(depth)}`) as unknown;
    assert.equal(findForbiddenValue({ a: nested(63) }, 'text', 'the JSON body', 64), undefined);
    assert.equal(found(findForbiddenValue({ a: nested(63), b: ['\u0000'] }, 'text', 'the JSON body', 64)), 'The JSON body at b[0] holds a NUL character (U+0000)');
    for (const deep of [nested(64), nested(200_000)]) {
      assert.equal(found(findForbiddenValue({ a: deep }, 'text', 'the JSON body', 64)), 'The JSON body holds values nested deeper than 64 levels');
    }
    const cycle: unknown[] = [];
    cycle.push(cycle);
    assert.equal(found(findForbiddenValue({ a: cycle }, 'text', 'the YAML body', 64)), 'The YAML body holds values nested deeper than 64 levels');
  });

  it('decodes URLs and forms strictly: a NUL, a malformed escape and bytes that are not UTF-8 are all findings', () => {
    assert.equal(found(findInUrl('/fhir/Patient/abc%00')), 'The URL path holds a NUL character (U+0000)');
    assert.equal(found(findInUrl('/auth/authorize?client_id=a%00')), 'The query parameter client_id holds a NUL character (U+0000)');
    assert.equal(found(findInUrl('/x?a%00=1')), 'A query parameter name holds a NUL character (U+0000)');
    assert.equal(found(findInUrl('/x?name=%zz')), 'The query parameter name holds malformed percent-encoding');
    assert.equal(found(findInUrl('/x?name=a%F')), 'The query parameter name holds malformed percent-encoding');
    for (const bytes of ['%FF', '%80', '%ED%A0%80', '%C0%80', '%E0%A4']) {
      assert.equal(found(findInUrl(`/x?name=${bytes}`)), 'The query parameter name holds percent-encoded bytes that are not UTF-8', bytes);
    }
    assert.equal(found(findInUrlEncoded('state=%01', 'controls', 'parameter')), 'The parameter state holds a control character (U+0001)');
    assert.equal(findInUrlEncoded('state=%01', 'text', 'parameter'), undefined);
  });

  it('unwraps Basic credentials (and their form-encoding where asked) and a JWS header and payload', () => {
    assert.equal(found(findInAuthorization(basic('a\u0000', 'b'))), 'The Basic user-id holds a NUL character (U+0000)');
    assert.equal(found(findInAuthorization(basic('a', 'b\u0001'))), 'The Basic password holds a control character (U+0001)');
    assert.equal(findInAuthorization(basic('a%00', 'b')), undefined);
    assert.equal(found(findInAuthorization(basic('a%00', 'b'), { formEncodedBasic: true })), 'The Basic user-id holds a NUL character (U+0000)');
    assert.equal(found(findInAuthorization('Bearer a\u0000b')), 'The Authorization header holds a NUL character (U+0000)');
    const segment = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    assert.equal(found(findInJws(`${segment({ alg: 'ES384' })}.${segment({ iss: 'a\u0000' })}.sig`, 'client_assertion', 64)), 'The client_assertion payload at iss holds a NUL character (U+0000)');
    assert.equal(found(findInJws(`${segment({ kid: '\uD800' })}.${segment({})}.sig`, 'client_assertion', 64)), 'The client_assertion header at kid holds a lone UTF-16 surrogate (U+D800)');
    assert.equal(findInJws('not.a-jwt.at-all', 'client_assertion', 64), undefined);
  });

  it('describes what it found in characters safe to echo, whatever the names', () => {
    const described = found(findInUrl('/x?%22%5C%C3%A9%01%0A=%00'));
    assert.equal(described, 'The query parameter ????? holds a NUL character (U+0000)');
    assert.match(String(described), DESCRIPTION_CHARS);
  });
});

for (const driver of drivers) {
  describe(`NUL bytes and lone surrogates refused at every surface (${driver})`, () => {
    let portico: TestPortico;
    let root: FhirClient;
    let admin: ReturnType<typeof adminHttp>;
    let jwtKey: TestKey;

    const put = async (path: string, body: Json) => {
      const res = await admin('PUT', path, { body });
      assert.ok(res.status === 200 || res.status === 201, res.text);
    };
    const patientCount = async (): Promise<number> => {
      const res = await root.get('Patient?_summary=count');
      assert.equal(res.status, 200, res.text);
      return res.body.total as number;
    };
    const clientCount = async (): Promise<number> => {
      const res = await admin('GET', '/Client?_count=0');
      assert.equal(res.status, 200, res.text);
      return res.body.total as number;
    };
    const mint = (body: Json) => inject(portico, 'POST', '/oauth/debug/token', JSON_TYPE, JSON.stringify(body));
    const assertion = (claims: JWTPayload = {}, header: Record<string, unknown> = {}) =>
      signAssertion(jwtKey, { iss: 'jwt-app', sub: 'jwt-app', aud: TOKEN_URL, exp: Math.floor(Date.now() / 1000) + 240, jti: randomUUID(), ...claims }, header);
    const assertionRequest = async (claims: JWTPayload = {}, header: Record<string, unknown> = {}) =>
      inject(portico, 'POST', '/auth/token', FORM, form({ grant_type: 'client_credentials', scope: 'system/*.read', client_assertion_type: JWT_BEARER, client_assertion: await assertion(claims, header) }));

    before(async () => {
      // No background export worker: the test runs the export job itself, deterministically.
      portico = await startPortico(driver, { LOGIN_MAX_FAILURES: '2', LOGIN_ADDRESS_MAX_FAILURES: '2', BULK_EXPORT_WORKER: 'false' });
      root = fhirClient(portico.app);
      admin = adminHttp(portico.app);
      await seedSandboxUsers(portico.auth.users);
      jwtKey = await testKey('jwt-app-key', 'ES384');
      await put('/Client/web-app', WEB_APP);
      await put('/Client/svc-app', { secret: SVC_SECRET, grant_types: ['client_credentials'], scope: ['system/*.rs'] });
      await put('/Client/jwt-app', {
        type: 'bulk-api-client',
        active: true,
        auth: { client_credentials: { client_assertion_types: [JWT_BEARER], access_token_expiration: 300, token_format: 'jwt' } },
        scope: ['system/*.read'],
        grant_types: ['client_credentials'],
        jwks: { keys: [jwtKey.publicJwk] },
      });
      const pa = await root.put('Patient/pa', { resourceType: 'Patient', id: 'pa', name: [{ family: 'Alpha' }] });
      assert.equal(pa.status, 201, pa.text);
    });
    after(() => portico.stop());

    it('GET and POST /auth/authorize: a NUL in client_id is the error page (400), never a redirect', async () => {
      // The same request, well formed: every check passes and, nobody being signed in, it goes to sign-in.
      const ok = await inject(portico, 'GET', `/auth/authorize?${authorizeQuery()}`);
      assert.equal(ok.statusCode, 303, ok.body);
      assert.match(String(ok.headers.location), /^\/auth\/login\?return_to=/);

      assertRefusedPage(await inject(portico, 'GET', `/auth/authorize?${authorizeQuery({ client_id: 'web-app\u0000' })}`));
      assertRefusedPage(await inject(portico, 'GET', `/auth/authorize?${authorizeQuery()}`.replace('client_id=web-app', 'client_id=web-app%ED%A0%80')));
      assertRefusedPage(await inject(portico, 'GET', `/auth/authorize?${authorizeQuery({ state: 'x\u0000' })}`));
      // RFC 6749 Appendix A: no parameter holds another control character either.
      assertRefusedPage(await inject(portico, 'GET', `/auth/authorize?${authorizeQuery({ state: 'x\u0001' })}`));
      const posted = await inject(portico, 'POST', '/auth/authorize', FORM, authorizeQuery());
      assert.equal(posted.statusCode, 303, posted.body);
      assertRefusedPage(await inject(portico, 'POST', '/auth/authorize', FORM, authorizeQuery({ client_id: 'web-app\u0000' })));
      assertRefusedPage(await inject(portico, 'POST', '/auth/authorize', FORM, authorizeQuery({ redirect_uri: `${REDIRECT}\u007F` })));
    });

    it('the consent decision: an authorization request it carries holding a NUL is the error page (400)', async () => {
      const b = browser(portico.app, '203.0.113.10');
      assert.equal((await b.signIn(PATIENT.email, PATIENT.password)).statusCode, 303);
      const page = await b.get(`/auth/authorize?${authorizeQuery()}`);
      assert.equal(page.statusCode, 200, page.body);
      const original = /name="authorize_request" value="([^"]+)"/.exec(page.body)?.[1]?.replace(/&amp;/g, '&');
      assert.ok(original);
      const decide = (authorizeRequest: string) =>
        b.post('/auth/authorize/decision', { csrf_token: csrfTokenIn(page.body), authorize_request: authorizeRequest, decision: 'deny' });
      assertRefusedPage(await decide(original.replace('client_id=web-app', 'client_id=web-app%00')));
      assertRefusedPage(await decide(original.replace('client_id=web-app', 'client_id=web-app%01')));
      const denied = await decide(original);
      assert.equal(denied.statusCode, 303, denied.body);
      assert.equal(new URL(String(denied.headers.location)).searchParams.get('error'), 'access_denied');
    });

    it('POST /auth/token: a NUL or a control character in a form or JSON parameter is invalid_request (400)', async () => {
      const fields = { grant_type: 'client_credentials', scope: 'system/*.rs', client_id: 'svc-app', client_secret: SVC_SECRET };
      const ok = await inject(portico, 'POST', '/auth/token', FORM, form(fields));
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(typeof ok.json<Json>().access_token, 'string');

      assertOAuthError(await inject(portico, 'POST', '/auth/token', FORM, form({ ...fields, client_id: 'svc-app\u0000' })), 400, 'invalid_request', /client_id holds a NUL/);
      assertOAuthError(await inject(portico, 'POST', '/auth/token', FORM, form({ ...fields, client_secret: `${SVC_SECRET}\u0000` })), 400, 'invalid_request', /client_secret holds a NUL/);
      // A control character in scope is the scope parser's to refuse (RFC 6749 §3.3: invalid_scope); a NUL is the edge's.
      assertOAuthError(await inject(portico, 'POST', '/auth/token', FORM, form({ ...fields, scope: 'system/*.rs\u0001' })), 400, 'invalid_scope', /scope contains the character U\+0001/);
      assertOAuthError(await inject(portico, 'POST', '/auth/token', FORM, form({ ...fields, scope: 'system/*.rs\u0000' })), 400, 'invalid_request', /scope holds a NUL/);
      assertOAuthError(await inject(portico, 'POST', '/auth/token', FORM, form(fields).replace('client_id=svc-app', 'client_id=svc-app%zz')), 400, 'invalid_request', /client_id holds malformed percent-encoding/);
      const json = await inject(portico, 'POST', '/auth/token', JSON_TYPE, JSON.stringify(fields));
      assert.equal(json.statusCode, 200, json.body);
      assertOAuthError(await inject(portico, 'POST', '/auth/token', JSON_TYPE, JSON.stringify(fields).replace('"svc-app"', LONE_HIGH)), 400, 'invalid_request', /client_id holds a lone UTF-16 surrogate/);
      assertOAuthError(await inject(portico, 'POST', '/auth/token', JSON_TYPE, JSON.stringify({ ...fields, scope: 'system/*.rs\u0001' })), 400, 'invalid_scope', /scope contains the character U\+0001/);
    });

    it('POST /auth/token: a refresh token with a NUL appended is invalid_request, and the token still refreshes', async () => {
      const minted = await mint({ client_id: 'web-app', scope: 'launch/patient patient/Patient.rs offline_access', patient_id: 'pa' });
      assert.equal(minted.statusCode, 200, minted.body);
      const refreshToken = String(minted.json<Json>().refresh_token);
      const refresh = (token: string) => inject(portico, 'POST', '/auth/token', FORM, form({ grant_type: 'refresh_token', refresh_token: token, client_id: 'web-app' }));
      assertOAuthError(await refresh(`${refreshToken}\u0000`), 400, 'invalid_request', /refresh_token holds a NUL/);
      // Not taken for a reuse of the real one: it rotates once, normally.
      const refreshed = await refresh(refreshToken);
      assert.equal(refreshed.statusCode, 200, refreshed.body);
    });

    it('POST /auth/token: Basic credentials holding a NUL, after base64 or form decoding, are invalid_request (400)', async () => {
      const grant = form({ grant_type: 'client_credentials', scope: 'system/*.rs' });
      const withBasic = (authorization: string) => inject(portico, 'POST', '/auth/token', { ...FORM, authorization }, grant);
      const ok = await withBasic(basic('svc-app', SVC_SECRET));
      assert.equal(ok.statusCode, 200, ok.body);

      assertOAuthError(await withBasic(basic('svc-app\u0000', SVC_SECRET)), 400, 'invalid_request', /Basic user-id holds a NUL/);
      assertOAuthError(await withBasic(basic('svc-app%00', SVC_SECRET)), 400, 'invalid_request', /Basic user-id holds a NUL/);
      assertOAuthError(await withBasic(basic('svc-app', `${SVC_SECRET}\u0000`)), 400, 'invalid_request', /Basic password holds a NUL/);
      // RFC 7617 §2: no control characters in user-id or password.
      assertOAuthError(await withBasic(basic('svc-app', `${SVC_SECRET}\u001F`)), 400, 'invalid_request', /Basic password holds a control character/);
    });

    it('POST /auth/token: a client assertion whose iss, sub, jti or kid holds a NUL or a lone surrogate is 401 invalid_client', async () => {
      const ok = await assertionRequest();
      assert.equal(ok.statusCode, 200, ok.body);

      const jti = randomUUID();
      for (const [claims, header, what] of [
        [{ iss: 'jwt-app\u0000', sub: 'jwt-app\u0000' }, {}, /payload at iss holds a NUL/],
        [{ sub: 'jwt-app\u0000' }, {}, /payload at sub holds a NUL/],
        [{ jti: `${jti}\u0000` }, {}, /payload at jti holds a NUL/],
        [{ iss: '\uD800', sub: '\uD800' }, {}, /payload at iss holds a lone UTF-16 surrogate/],
        [{}, { kid: `${jwtKey.kid}\u0000` }, /header at kid holds a NUL/],
      ] as const) {
        assertOAuthError(await assertionRequest(claims, header), 401, 'invalid_client', what);
      }
      // The refused jti was not recorded: the same jti, without the NUL, is not a replay.
      const again = await assertionRequest({ jti });
      assert.equal(again.statusCode, 200, again.body);
    });

    it('POST /auth/login: a NUL in the form is the page (400) and is not counted as a failed sign-in', async () => {
      const address = '203.0.113.20';
      const b = browser(portico.app, address);
      const page = await b.get('/auth/login');
      assert.equal(page.statusCode, 200);
      const post = (fields: Record<string, string>) => b.post('/auth/login', { csrf_token: csrfTokenIn(page.body), return_to: '/', ...fields });
      // More refusals than LOGIN_MAX_FAILURES (2) allows failures, from one address and for one account.
      assertRefusedPage(await post({ username: `${PATIENT.email}\u0000`, password: PATIENT.password }));
      assertRefusedPage(await post({ username: PATIENT.email, password: `${PATIENT.password}\u0000` }));
      assertRefusedPage(await post({ username: `\u0000${PATIENT.email}`, password: 'x' }));
      const invalidUtf8 = await inject(portico, 'POST', '/auth/login', { ...FORM, cookie: b.jar.header() }, notUtf8(`csrf_token=${encodeURIComponent(csrfTokenIn(page.body))}&username=`, `&password=x`));
      assertRefusedPage(invalidUtf8);
      // Nothing was counted against the address or the account: the right password still signs in.
      const signedIn = await post({ username: PATIENT.email, password: PATIENT.password });
      assert.equal(signedIn.statusCode, 303, signedIn.body);
    });

    it('/auth/register/{client_id}: a NUL in the path is invalid_request (400), the registration untouched', async () => {
      const registered = await inject(portico, 'POST', '/auth/register', JSON_TYPE, JSON.stringify({ client_name: 'Registered App', redirect_uris: ['https://app.example/cb'] }));
      assert.equal(registered.statusCode, 201, registered.body);
      const clientId = String(registered.json<Json>().client_id);
      const read = await inject(portico, 'GET', `/auth/register/${clientId}`, { authorization: `Bearer ${String(registered.json<Json>().registration_access_token)}` });
      assert.equal(read.statusCode, 200, read.body);
      // A read rotates the registration access token (RFC 7592 §3); none of the refused requests below may.
      const bearer = { authorization: `Bearer ${String(read.json<Json>().registration_access_token)}` };

      assertOAuthError(await inject(portico, 'GET', `/auth/register/${clientId}%00`, bearer), 400, 'invalid_request', /URL path holds a NUL/);
      assertOAuthError(await inject(portico, 'GET', '/auth/register/a%00', bearer), 400, 'invalid_request', /URL path holds a NUL/);
      assertOAuthError(await inject(portico, 'PUT', `/auth/register/${clientId}%00`, { ...bearer, ...JSON_TYPE }, JSON.stringify({ client_name: 'Changed', redirect_uris: ['https://app.example/cb'] })), 400, 'invalid_request', /URL path holds a NUL/);
      assertOAuthError(await inject(portico, 'DELETE', `/auth/register/${clientId}%00`, bearer), 400, 'invalid_request', /URL path holds a NUL/);
      const after = await inject(portico, 'GET', `/auth/register/${clientId}`, bearer);
      assert.equal(after.statusCode, 200, after.body);
      assert.equal(after.json<Json>().client_name, 'Registered App');
    });

    it('GET /fhir/Patient/{id}: a NUL in the id is a 400 OperationOutcome; no write through such a URL', async () => {
      assert.equal((await root.get('Patient/pa')).status, 200);
      assertOutcome(await root.get('Patient/pa%00'), 'invalid', /URL path holds a NUL character/);
      assertOutcome(await root.put('Patient/pa%00', { resourceType: 'Patient', id: 'pa\u0000' }), 'invalid', /URL path holds a NUL character/);
      assertOutcome(await root.delete('Patient/pa%00'), 'invalid', /URL path holds a NUL character/);
      // The same through the sandbox's open mount.
      const open = await inject(portico, 'GET', '/api/open-fhir/Patient/pa%00', { accept: 'application/fhir+json' });
      assertOutcome({ status: open.statusCode, body: open.json(), text: open.body }, 'invalid', /URL path holds a NUL character/);
      const still = await root.get('Patient/pa');
      assert.equal(still.status, 200);
      assert.equal(still.body.meta.versionId, '1');
    });

    it('GET /fhir/Patient/{id}/_history (and vread): a NUL in the path is a 400 OperationOutcome', async () => {
      const history = await root.get('Patient/pa/_history');
      assert.equal(history.status, 200, history.text);
      assert.equal(history.body.type, 'history');
      assert.equal((await root.get('Patient/pa/_history/1')).status, 200);
      assertOutcome(await root.get('Patient/pa%00/_history'), 'invalid', /URL path holds a NUL character/);
      assertOutcome(await root.get('Patient/pa/_history/1%00'), 'invalid', /URL path holds a NUL character/);
      assertOutcome(await root.get('_history?_since=2020-01-01%00'), 'invalid', /_since holds a NUL character/);
    });

    it('$export-status (and the file URL): a NUL in the job id is a 400 OperationOutcome, the job untouched', async () => {
      const kickOff = await root.get('$export?_type=Patient', { prefer: 'respond-async' });
      assert.equal(kickOff.status, 202, kickOff.text);
      const statusPath = String(kickOff.headers['content-location']).slice(FHIR_BASE.length + 1);
      await portico.bulkExport.worker.runPending();
      const done = await root.get(statusPath, { accept: 'application/json' });
      assert.equal(done.status, 200, done.text);
      const fileUrl = String(done.body.output[0].url).slice(FHIR_BASE.length + 1);

      assertOutcome(await root.get(`${statusPath}%00`), 'invalid', /URL path holds a NUL character/);
      assertOutcome(await root.delete(`${statusPath}%00`), 'invalid', /URL path holds a NUL character/);
      const [filesBase, job, file] = [fileUrl.split('/').slice(0, -2).join('/'), fileUrl.split('/').at(-2), fileUrl.split('/').at(-1)];
      assertOutcome(await root.get(`${filesBase}/${String(job)}%00/${String(file)}`), 'invalid', /URL path holds a NUL character/);
      // Not cancelled: the status URL still answers the manifest, the file still downloads.
      const still = await root.get(statusPath, { accept: 'application/json' });
      assert.equal(still.status, 200, still.text);
      const download = await inject(portico, 'GET', `/fhir/${fileUrl}`, { authorization: ROOT_AUTHORIZATION, accept: 'application/fhir+ndjson' });
      assert.equal(download.statusCode, 200, download.body);
    });

    it('POST /oauth/debug/token: a NUL or a lone surrogate in the JSON body is invalid_request (400)', async () => {
      const body = { client_id: 'web-app', scope: 'launch/patient patient/Patient.rs', patient_id: 'pa' };
      const ok = await mint(body);
      assert.equal(ok.statusCode, 200, ok.body);
      assert.equal(ok.json<Json>().patient, 'pa');

      assertOAuthError(await mint({ ...body, client_id: 'web-app\u0000' }), 400, 'invalid_request', /JSON body at client_id holds a NUL/);
      assertOAuthError(await mint({ ...body, patient_id: 'pa\u0000' }), 400, 'invalid_request', /JSON body at patient_id holds a NUL/);
      assertOAuthError(await inject(portico, 'POST', '/oauth/debug/token', JSON_TYPE, JSON.stringify({ ...body, user_name: 'x' }).replace('"x"', LONE_HIGH)), 400, 'invalid_request', /user_name holds a lone UTF-16 surrogate/);
      assertOAuthError(await inject(portico, 'GET', '/oauth/debug/introspect?token=a%00'), 400, 'invalid_request', /query parameter token holds a NUL/);
    });

    it('POST /rpc aidbox.smart/get-launch-uri: a NUL in a parameter is a 400 {error}', async () => {
      const call = (params: Json, authorization?: string) =>
        admin('POST', '/rpc', { body: { method: 'aidbox.smart/get-launch-uri', params }, ...(authorization ? { authorization } : {}) });
      const params = { client: 'web-app', user: 'sandbox-patient', iss: FHIR_BASE, ctx: { patient: 'pa' } };
      const ok = await call(params);
      assert.equal(ok.status, 200, ok.text);
      assert.ok(String(ok.body.result.uri).startsWith(`${LAUNCH_URI}?`), ok.text);

      for (const [bad, what] of [
        [{ ...params, client: 'web-app\u0000' }, /JSON body at params\.client holds a NUL/],
        [{ ...params, ctx: { patient: 'pa\u0000' } }, /JSON body at params\.ctx\.patient holds a NUL/],
        [{ ...params, user: '\uDFFF' }, /JSON body at params\.user holds a lone UTF-16 surrogate/],
      ] as const) {
        const res = await call(bad);
        assert.equal(res.status, 400, res.text);
        assert.match(String(res.body.error.message), what);
      }
      const yaml = await admin('POST', '/rpc', { body: 'method: aidbox.smart/get-launch-uri\nparams:\n  client: "web-app\\0"\n', contentType: 'text/yaml' });
      assert.equal(yaml.status, 400, yaml.text);
      assert.match(String(yaml.body.error.message), /YAML body at params\.client holds a NUL/);
      const nulBasic = await call(params, basic('root\u0000', 'secret'));
      assert.equal(nulBasic.status, 400, nulBasic.text);
      assert.match(String(nulBasic.body.error.message), /Basic user-id holds a NUL/);
    });

    it('POST /fhir/Patient: a lone surrogate or a NUL in any string or key is a 400 OperationOutcome, nothing created', async () => {
      const before = await patientCount();
      const created = await root.post('Patient', { resourceType: 'Patient', name: [{ family: UNICODE, given: ['Ünïcødé'] }] });
      assert.equal(created.status, 201, created.text);
      const read = await root.get(`Patient/${String(created.body.id)}`);
      assert.equal(read.body.name[0].family, UNICODE);
      assert.equal(await patientCount(), before + 1);

      const withFamily = (family: string) => `{"resourceType":"Patient","name":[{"family":${family}}]}`;
      for (const [body, what] of [
        [withFamily(LONE_HIGH), /name\[0\]\.family holds a lone UTF-16 surrogate \(U\+D800\)/],
        [withFamily('"a\\udc00"'), /name\[0\]\.family holds a lone UTF-16 surrogate \(U\+DC00\)/],
        [withFamily('"\\ude00\\ud83d"'), /name\[0\]\.family holds a lone UTF-16 surrogate/],
        [withFamily('"a\\u0000"'), /name\[0\]\.family holds a NUL character/],
        ['{"resourceType":"Patient","name":[{"family":"x","ext\\u0000":1}]}', /A key of the JSON body at name\[0\] holds a NUL/],
      ] as const) {
        assertOutcome(await root.post('Patient', body), 'structure', what);
      }
      assert.equal(await patientCount(), before + 1);
      // An update carrying one changes nothing either.
      assertOutcome(await root.put('Patient/pa', `{"resourceType":"Patient","id":"pa","name":[{"family":${LONE_HIGH}}]}`), 'structure', /lone UTF-16 surrogate/);
      const pa = await root.get('Patient/pa');
      assert.equal(pa.body.meta.versionId, '1');
      assert.equal(pa.body.name[0].family, 'Alpha');
    });

    it('POST /auth/register: a lone surrogate or a NUL in client_name is invalid_client_metadata (400), no Client created', async () => {
      const before = await clientCount();
      const register = (text: string) => inject(portico, 'POST', '/auth/register', JSON_TYPE, text);
      const metadata = (name: string) => `{"client_name":${name},"redirect_uris":["https://app.example/cb"]}`;
      const ok = await register(metadata(JSON.stringify(UNICODE)));
      assert.equal(ok.statusCode, 201, ok.body);
      assert.equal(ok.json<Json>().client_name, UNICODE);
      assert.equal(await clientCount(), before + 1);

      assertOAuthError(await register(metadata(LONE_HIGH)), 400, 'invalid_client_metadata', /JSON body at client_name holds a lone UTF-16 surrogate/);
      assertOAuthError(await register(metadata('"App\\u0000"')), 400, 'invalid_client_metadata', /JSON body at client_name holds a NUL/);
      assertOAuthError(await register('{"client_name":"App","redirect_uris":["https://app.example/cb\\u0000"]}'), 400, 'invalid_client_metadata', /redirect_uris\[0\] holds a NUL/);
      assert.equal(await clientCount(), before + 1);
    });

    it('PUT /User/{id} (admin API): a lone surrogate or a NUL in name, JSON or YAML, is a 400 OperationOutcome, no User written', async () => {
      const ok = await admin('PUT', '/User/u-ok', { body: { resourceType: 'User', name: UNICODE, email: 'u-ok@example.test' } });
      assert.equal(ok.status, 201, ok.text);
      assert.equal((await admin('GET', '/User/u-ok')).body.name, UNICODE);

      const refused = async (text: string, contentType: string, what: RegExp) => {
        const res = await admin('PUT', '/User/u-bad', { body: text, contentType });
        assertOutcome(res, 'structure', what);
        assert.equal((await admin('GET', '/User/u-bad')).status, 404);
      };
      await refused(`{"resourceType":"User","name":${LONE_HIGH},"email":"u-bad@example.test"}`, 'application/json', /JSON body at name holds a lone UTF-16 surrogate/);
      await refused('{"resourceType":"User","name":"a\\u0000","email":"u-bad@example.test"}', 'application/json', /JSON body at name holds a NUL/);
      await refused('resourceType: User\nname: "a\\0"\nemail: u-bad@example.test\n', 'text/yaml', /YAML body at name holds a NUL/);
      await refused('resourceType: User\nname: "\\ud800"\nemail: u-bad@example.test\n', 'text/yaml', /YAML body at name holds a lone UTF-16 surrogate/);
      // An update of an existing User carrying one leaves it as it was.
      const update = await admin('PUT', '/User/u-ok', { body: `{"resourceType":"User","name":${LONE_HIGH},"email":"u-ok@example.test"}` });
      assertOutcome(update, 'structure', /lone UTF-16 surrogate/);
      assert.equal((await admin('GET', '/User/u-ok')).body.name, UNICODE);
      // The admin API's Basic credentials and its URLs too.
      const nulBasic = await admin('GET', '/User/u-ok', { authorization: basic('root\u0000', 'secret') });
      assertOutcome(nulBasic, 'invalid', /Basic user-id holds a NUL/);
      assertOutcome(await admin('GET', '/User/u-ok%00'), 'invalid', /URL path holds a NUL/);
    });

    it('FHIR search: a NUL, malformed percent-encoding or bytes that are not UTF-8 in the query or a _search form are 400', async () => {
      const found = await root.get(`Patient?family=${encodeURIComponent(UNICODE)}`);
      assert.equal(found.status, 200, found.text);
      assert.equal(found.body.total, 1);
      const posted = await root.request('POST', 'Patient/_search', `family=${encodeURIComponent(UNICODE)}`, { 'content-type': 'application/x-www-form-urlencoded' });
      assert.equal(posted.status, 200, posted.text);
      assert.equal(posted.body.total, 1);

      assertOutcome(await root.get('Patient?family=a%00'), 'invalid', /query parameter family holds a NUL/);
      assertOutcome(await root.get('Patient?family=a%zz'), 'invalid', /query parameter family holds malformed percent-encoding/);
      assertOutcome(await root.get('Patient?family=a%FF'), 'invalid', /query parameter family holds percent-encoded bytes that are not UTF-8/);
      assertOutcome(await root.get('Patient?family=%ED%A0%80'), 'invalid', /not UTF-8/);
      const form400 = await root.request('POST', 'Patient/_search', 'family=a%00', { 'content-type': 'application/x-www-form-urlencoded' });
      assertOutcome(form400, 'structure', /form parameter family holds a NUL/);
    });

    it('bodies whose bytes are not UTF-8 are refused with each surface\'s 400, nothing written', async () => {
      const patients = await patientCount();
      const fhir = await inject(portico, 'POST', '/fhir/Patient', { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/fhir+json' }, notUtf8('{"resourceType":"Patient","name":[{"family":"', '"}]}'));
      assertOutcome({ status: fhir.statusCode, body: fhir.json(), text: fhir.body }, 'structure', /not valid UTF-8/);
      assert.equal(await patientCount(), patients);

      const token = await inject(portico, 'POST', '/auth/token', FORM, notUtf8('grant_type=client_credentials&client_id=svc-app&client_secret=', ''));
      assertOAuthError(token, 400, 'invalid_request', /not valid UTF-8/);

      const clients = await clientCount();
      const registered = await inject(portico, 'POST', '/auth/register', JSON_TYPE, notUtf8('{"client_name":"', '","redirect_uris":["https://app.example/cb"]}'));
      assertOAuthError(registered, 400, 'invalid_client_metadata', /not valid UTF-8/);
      assert.equal(await clientCount(), clients);

      const user = await inject(portico, 'PUT', '/User/u-bytes', { authorization: basic('root', 'secret'), ...JSON_TYPE }, notUtf8('{"resourceType":"User","name":"', '"}'));
      assert.equal(user.statusCode, 400, user.body);
      assert.equal(user.json<Json>().resourceType, 'OperationOutcome');
      assert.equal((await admin('GET', '/User/u-bytes')).status, 404);

      const rpc = await inject(portico, 'POST', '/rpc', { authorization: basic('root', 'secret'), ...JSON_TYPE }, notUtf8('{"method":"', '"}'));
      assert.equal(rpc.statusCode, 400, rpc.body);
      assert.match(String(rpc.json<{ error: { message: string } }>().error.message), /not valid UTF-8/);
    });

    it('a Bundle entry whose request.url holds a NUL: a 400 entry in a batch, a 400 transaction that writes nothing', async () => {
      const batch = await root.post('', {
        resourceType: 'Bundle',
        type: 'batch',
        entry: [{ request: { method: 'GET', url: 'Patient/pa%00' } }, { request: { method: 'GET', url: 'Patient/pa' } }],
      });
      assert.equal(batch.status, 200, batch.text);
      assert.equal(batch.body.entry[0].response.status, '400 Bad Request');
      assert.equal(batch.body.entry[0].response.outcome.issue[0].code, 'invalid');
      assert.equal(batch.body.entry[1].response.status, '200 OK');

      const before = await patientCount();
      const transaction = await root.post('', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:6b1f1c2e-0000-4000-8000-000000000001', resource: { resourceType: 'Patient', name: [{ family: 'Tx' }] }, request: { method: 'POST', url: 'Patient' } },
          { request: { method: 'DELETE', url: 'Patient/pa%00' } },
        ],
      });
      assertOutcome(transaction, 'invalid', /NUL character/);
      assert.equal(await patientCount(), before);
    });

    it('credentials holding a NUL: 400 on the FHIR API, the initial access token and userinfo endpoints, and introspection', async () => {
      const fhirOk = await root.get('Patient/pa');
      assert.equal(fhirOk.status, 200);
      const fhirNul = await fhirClient(portico.app, basic('root\u0000', 'secret')).get('Patient/pa');
      assertOutcome(fhirNul, 'invalid', /Basic user-id holds a NUL/);
      assert.match(String(fhirNul.headers['www-authenticate']), /^Bearer realm="portico", error="invalid_request"$/);
      assertOutcome(await fhirClient(portico.app, 'Bearer abc\u0000def').get('Patient/pa'), 'invalid', /Authorization header holds a NUL/);

      const iat = await inject(portico, 'POST', '/auth/initial-access-token', { authorization: basic('root', 'secret') });
      assert.equal(iat.statusCode, 201, iat.body);
      assertOAuthError(await inject(portico, 'POST', '/auth/initial-access-token', { authorization: basic('root\u0000', 'secret') }), 400, 'invalid_request', /Basic user-id holds a NUL/);

      const minted = await mint({ client_id: 'web-app', scope: 'openid fhirUser launch/patient patient/Patient.rs', user_name: PRACTITIONER_EMAIL, patient_id: 'pa' });
      assert.equal(minted.statusCode, 200, minted.body);
      const accessToken = String(minted.json<Json>().access_token);
      const userinfo = await inject(portico, 'GET', '/auth/userinfo', { authorization: `Bearer ${accessToken}` });
      assert.equal(userinfo.statusCode, 200, userinfo.body);
      assertOAuthError(await inject(portico, 'GET', '/auth/userinfo', { authorization: `Bearer ${accessToken}\u0000` }), 400, 'invalid_request', /Authorization header holds a NUL/);

      // The root client may introspect any token (a Client only its own).
      const introspect = (token: string) => inject(portico, 'POST', '/auth/introspect', { ...FORM, authorization: basic('root', 'secret') }, form({ token }));
      const active = await introspect(accessToken);
      assert.equal(active.statusCode, 200, active.body);
      assert.equal(active.json<Json>().active, true);
      assertOAuthError(await introspect(`${accessToken}\u0000`), 400, 'invalid_request', /parameter token holds a NUL/);
      const revoke = await inject(portico, 'POST', '/auth/revoke', FORM, form({ token: `${accessToken}\u0000`, client_id: 'web-app' }));
      assertOAuthError(revoke, 400, 'invalid_request', /parameter token holds a NUL/);
      // Neither revoked it.
      assert.equal((await introspect(accessToken)).json<Json>().active, true);
    });
  });
}
