import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { SANDBOX_LOGINS, seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { LAUNCH_REDIRECT, putAdmin, tokenRequest, type Json } from './launch-flow-support.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

const CLIENT_ID = 'launcher-test-app';
const LAUNCH_URI = 'http://smart-app.example/launch';
const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const PATIENT = 'launcher-pt-1';
const OTHER_PATIENT = 'launcher-pt-2';
const ENCOUNTER = 'launcher-enc-1';
const PRACTITIONER = SANDBOX_LOGINS.find((l) => l.id === 'sandbox-practitioner')!;

const testClient = {
  resourceType: 'Client',
  active: true,
  name: 'Launcher test app',
  first_party: true,
  type: 'smart-app',
  grant_types: ['authorization_code', 'refresh_token'],
  auth: { authorization_code: { redirect_uri: LAUNCH_REDIRECT, refresh_token: true, secret_required: false, pkce: true } },
  smart: { launch_uri: LAUNCH_URI },
};

/** The launcher form as a browser posts it, from the page's CSRF token. */
async function postLaunch(b: Browser, fields: Record<string, string>): Promise<LightMyRequestResponse> {
  const form = await b.get('/launcher');
  assert.equal(form.statusCode, 200, form.body);
  return b.post('/launcher/launch', { csrf_token: csrfTokenIn(form.body), ...fields });
}

const ehrProvider = { app: CLIENT_ID, launch_type: 'ehr-provider', user: PRACTITIONER.id, patient: PATIENT, encounter: ENCOUNTER };

/** The iframe's URL on the EHR frame page. */
function frameUrl(body: string): URL {
  const src = /<iframe[^>]* src="([^"]+)"/.exec(body)?.[1];
  assert.ok(src, body);
  return new URL(src.replaceAll('&amp;', '&'));
}

for (const driver of drivers) {
  describe(`the EHR launcher in the sandbox (${driver})`, () => {
    let portico: TestPortico;
    let app: FastifyInstance;

    before(async () => {
      portico = await startPortico(driver);
      app = portico.app;
      await seedSandboxUsers(portico.auth.users);
      await putAdmin(app, `/Client/${CLIENT_ID}`, testClient);
      await putAdmin(app, `/Client/no-launch-uri`, { ...testClient, smart: undefined, name: 'No launch URI' });
      await putAdmin(app, `/fhir/Patient/${PATIENT}`, {
        resourceType: 'Patient',
        id: PATIENT,
        name: [{ family: 'Launcher', given: ['Lena'] }],
        birthDate: '1970-02-03',
        identifier: [{ system: 'urn:mrn', value: 'MRN-4711' }],
      });
      await putAdmin(app, '/fhir/Patient/test-pt-1', { resourceType: 'Patient', id: 'test-pt-1', name: [{ family: 'Own', given: ['Pat'] }] });
      await putAdmin(app, `/fhir/Patient/${OTHER_PATIENT}`, { resourceType: 'Patient', id: OTHER_PATIENT, name: [{ family: 'Other', given: ['Olga'] }] });
      await putAdmin(app, `/fhir/Encounter/${ENCOUNTER}`, { resourceType: 'Encounter', id: ENCOUNTER, status: 'finished', class: { code: 'AMB' }, subject: { reference: `Patient/${PATIENT}` } });
    });
    after(() => portico.stop());

    it('is open: lists the apps with a launch URI, the launch types, the sandbox users and the simulated errors', async () => {
      const res = await browser(app).get('/launcher');
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /Launcher test app/);
      assert.doesNotMatch(res.body, /No launch URI/);
      for (const text of ['ehr-provider', 'ehr-patient', 'standalone-patient', 'standalone-provider', PRACTITIONER.email, 'request_expired_token']) assert.ok(res.body.includes(text), text);
    });

    it('searches patients (patient_q) and lists the chosen patient’s encounters', async () => {
      const b = browser(app);
      const found = await b.get('/launcher?patient_q=Launcher');
      assert.match(found.body, new RegExp(`value="${PATIENT}"`));
      assert.doesNotMatch(found.body, new RegExp(`value="${OTHER_PATIENT}"`));
      const shown = await b.post('/launcher', { csrf_token: csrfTokenIn(found.body), patient_q: 'Launcher', patient: PATIENT, action: 'encounters' });
      assert.equal(shown.statusCode, 200, shown.body);
      assert.match(shown.body, new RegExp(`name="encounter" value="${ENCOUNTER}"`));
    });

    it('launches: the EHR frame shows the banner and frames the app with iss and a launch minted as the RPC mints it', async () => {
      const b = browser(app);
      const res = await postLaunch(b, ehrProvider);
      assert.equal(res.statusCode, 200, res.body);
      for (const text of ['Lena Launcher', '1970-02-03', 'MRN-4711', ENCOUNTER, PRACTITIONER.email]) assert.ok(res.body.includes(text), text);
      const url = frameUrl(res.body);
      assert.equal(`${url.origin}${url.pathname}`, LAUNCH_URI);
      assert.equal(url.searchParams.get('iss'), FHIR_BASE);
      const claims = decodeJwt(url.searchParams.get('launch')!);
      assert.deepEqual({ client: claims.client, user: claims.user, ctx: claims.ctx }, { client: CLIENT_ID, user: PRACTITIONER.id, ctx: { patient: PATIENT, encounter: ENCOUNTER } });
      assert.match(res.body, /Open Launcher test app in a new tab/);
      assert.match(String(res.headers['content-security-policy']), /frame-src 'self' http:\/\/smart-app\.example(;|$)/);
      // The sandbox's pages may be framed by our own origin (the EHR frame), by nothing else.
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'self'(;|$)/);

      // The practitioner is signed in by the launch: the app's authorization request with that launch gets its code.
      const verifier = randomBytes(48).toString('base64url');
      const params = new URLSearchParams({
        response_type: 'code',
        client_id: CLIENT_ID,
        redirect_uri: LAUNCH_REDIRECT,
        scope: 'launch openid fhirUser patient/*.rs',
        state: 's',
        aud: FHIR_BASE,
        launch: url.searchParams.get('launch')!,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      });
      const authorize = await b.get(`/auth/authorize?${params.toString()}`);
      assert.equal(authorize.statusCode, 302, authorize.body);
      const code = new URL(String(authorize.headers.location)).searchParams.get('code');
      assert.ok(code, String(authorize.headers.location));
      const token = await tokenRequest(app, { grant_type: 'authorization_code', code, redirect_uri: LAUNCH_REDIRECT, client_id: CLIENT_ID, code_verifier: verifier });
      assert.equal(token.statusCode, 200, token.body);
      const body = token.json() as Json;
      assert.equal(body.patient, PATIENT);
      assert.equal(body.encounter, ENCOUNTER);

      // The token inspector on that access token: verified with our key, active.
      const inspectorPage = await b.get('/launcher/inspect');
      assert.equal(inspectorPage.statusCode, 200);
      const inspected = await b.post('/launcher/inspect', { csrf_token: csrfTokenIn(inspectorPage.body), token: String(body.access_token) });
      assert.equal(inspected.statusCode, 200, inspected.body);
      assert.match(inspected.body, /Verified with a key of this server/);
      assert.match(inspected.body, /&quot;active&quot;: true/);
      assert.match(inspected.body, /&quot;patient&quot;: &quot;launcher-pt-1&quot;/);
      assert.match(inspected.body, /<dt>exp<\/dt><dd><time datetime="20\d\d-/);
    });

    it('a simulated error rides in the signed launch', async () => {
      const res = await postLaunch(browser(app), { ...ehrProvider, sim: 'request_expired_token' });
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(decodeJwt(frameUrl(res.body).searchParams.get('launch')!).sim, 'request_expired_token');
    });

    it("a patient's EHR launch is about the patient user's own record", async () => {
      const res = await postLaunch(browser(app), { app: CLIENT_ID, launch_type: 'ehr-patient', user: 'sandbox-patient' });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /Pat Own/);
      const claims = decodeJwt(frameUrl(res.body).searchParams.get('launch')!);
      assert.deepEqual({ user: claims.user, ctx: claims.ctx }, { user: 'sandbox-patient', ctx: { patient: 'test-pt-1' } });
      const other = await postLaunch(browser(app), { app: CLIENT_ID, launch_type: 'ehr-patient', user: 'sandbox-patient', patient: PATIENT });
      assert.equal(other.statusCode, 400);
      assert.match(other.body, /id="patient-error"/);
    });

    it('a standalone launch opens the launch URI with iss only', async () => {
      const res = await postLaunch(browser(app), { app: CLIENT_ID, launch_type: 'standalone-provider', user: PRACTITIONER.id });
      assert.equal(res.statusCode, 200, res.body);
      const url = frameUrl(res.body);
      assert.equal(url.searchParams.get('iss'), FHIR_BASE);
      assert.equal(url.searchParams.get('launch'), null);
    });

    it('refuses a bad choice field by field, the form shown again (400) with the error at the field', async () => {
      const b = browser(app);
      const cases: [Record<string, string>, string, RegExp][] = [
        [{ ...ehrProvider, app: 'no-such-app' }, 'app', /No active app with a launch URI/],
        [{ ...ehrProvider, app: 'no-launch-uri' }, 'app', /No active app with a launch URI/],
        [{ ...ehrProvider, patient: OTHER_PATIENT }, 'encounter', /not one of the chosen patient/],
        [{ ...ehrProvider, patient: 'no-such-patient', encounter: '' }, 'patient', /No patient has this id/],
        [{ ...ehrProvider, launch_type: 'ehr-patient', patient: '', encounter: '' }, 'user', /for a patient user/],
        [{ ...ehrProvider, user: 'someone-else' }, 'user', /Choose one of the listed users/],
        [{ ...ehrProvider, launch_type: 'standalone-provider', encounter: '', sim: 'auth_invalid_scope' }, 'sim', /only an EHR launch has/],
        [{ ...ehrProvider, sim: 'not_an_error' }, 'sim', /Choose one of the listed errors/],
      ];
      for (const [fields, field, message] of cases) {
        const res = await postLaunch(b, fields);
        assert.equal(res.statusCode, 400, `${JSON.stringify(fields)}: ${res.statusCode}`);
        assert.match(res.body, new RegExp(`<p class="error field-error" id="${field}-error">`), JSON.stringify(fields));
        assert.match(res.body, message, JSON.stringify(fields));
        assert.doesNotMatch(res.body, /<iframe/);
      }
    });

    it('refuses a launch without the CSRF token', async () => {
      const res = await browser(app).post('/launcher/launch', ehrProvider);
      assert.equal(res.statusCode, 403, res.body);
    });

    it('the token inspector says what is not a JWT at the field, and calls a foreign signature unverified', async () => {
      const b = browser(app);
      const form = await b.get('/launcher/inspect');
      const bad = await b.post('/launcher/inspect', { csrf_token: csrfTokenIn(form.body), token: 'not a jwt' });
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /id="token-error">This is not a JWT/);
      const forged = `${Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'not-ours' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'x', exp: 1 })).toString('base64url')}.c2ln`;
      const res = await b.post('/launcher/inspect', { csrf_token: csrfTokenIn(form.body), token: forged });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /Not verified: no key of this server/);
      assert.match(res.body, /&quot;active&quot;: false/);
      assert.match(res.body, /<dt>exp<\/dt><dd><time datetime="1970-01-01T00:00:01.000Z">/);
    });
  });

  describe(`the EHR launcher in production (${driver})`, () => {
    const ROOT_SECRET = 'a-production-root-secret-of-length';
    const rootBasic = `Basic ${Buffer.from(`root:${ROOT_SECRET}`).toString('base64')}`;
    let portico: TestPortico;
    let app: FastifyInstance;
    const admin = { email: 'admin@example.org', password: 'an-admin-password-1' };
    const clerk = { email: 'clerk@example.org', password: 'a-clerk-password-1' };

    before(async () => {
      portico = await startPortico(driver, { MODE: 'production', ADMIN_CLIENT_ID: 'root', ADMIN_CLIENT_SECRET: ROOT_SECRET, SECRETS_KEY: Buffer.alloc(32, 7).toString('base64url'), SESSION_SECRET: 'a-session-secret-of-at-least-thirty-two-chars' });
      app = portico.app;
      for (const [id, body] of [
        ['admin', { resourceType: 'User', ...admin, roles: ['admin'], fhirUser: 'Practitioner/prod-pr-1' }],
        ['clerk', { resourceType: 'User', ...clerk }],
      ] as const) {
        const res = await app.inject({ method: 'PUT', url: `/User/${id}`, headers: { authorization: rootBasic, 'content-type': 'application/json' }, payload: body });
        assert.ok(res.statusCode === 200 || res.statusCode === 201, res.body);
      }
      const client = await app.inject({
        method: 'PUT',
        url: `/Client/${CLIENT_ID}`,
        headers: { authorization: rootBasic, 'content-type': 'application/json' },
        payload: { ...testClient, auth: { authorization_code: { ...testClient.auth.authorization_code, redirect_uri: 'https://smart-app.example/redirect' } }, smart: { launch_uri: 'https://smart-app.example/launch' } },
      });
      assert.ok(client.statusCode === 200 || client.statusCode === 201, client.body);
    });
    after(() => portico.stop());

    it('an administrator signed in gets it; the root client over Basic too', async () => {
      const b = browser(app);
      await b.signIn(admin.email, admin.password);
      const res = await b.get('/launcher');
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /admin@example\.org/);
      assert.doesNotMatch(res.body, /Simulated error/);
      // Production's pages keep refusing every frame (FRAME_ANCESTORS unset): only the sandbox's own origin frames them.
      assert.equal(res.headers['x-frame-options'], 'DENY');
      assert.match(String(res.headers['content-security-policy']), /frame-ancestors 'none'/);
      assert.equal((await app.inject({ method: 'GET', url: '/launcher', headers: { authorization: rootBasic } })).statusCode, 200);
      assert.equal((await b.get('/launcher/inspect')).statusCode, 200);
    });

    it('nobody signed in is sent to sign in; wrong Basic credentials 401; a signed-in non-administrator 403', async () => {
      const anonymous = await browser(app).get('/launcher');
      assert.equal(anonymous.statusCode, 303);
      assert.equal(anonymous.headers.location, '/auth/login?return_to=%2Flauncher');
      const wrong = await app.inject({ method: 'GET', url: '/launcher/inspect', headers: { authorization: `Basic ${Buffer.from('root:wrong').toString('base64')}` } });
      assert.equal(wrong.statusCode, 401);
      assert.match(String(wrong.headers['www-authenticate']), /^Basic /);
      const b = browser(app);
      await b.signIn(clerk.email, clerk.password);
      assert.equal((await b.get('/launcher')).statusCode, 403);
      assert.equal((await b.get('/launcher/inspect')).statusCode, 403);
    });

    it('launches for the administrator only, and offers no simulated error (one sent is refused)', async () => {
      const b = browser(app);
      await b.signIn(admin.email, admin.password);
      const standalone = await postLaunch(b, { app: CLIENT_ID, launch_type: 'standalone-provider', user: 'admin' });
      assert.equal(standalone.statusCode, 200, standalone.body);
      const other = await postLaunch(b, { app: CLIENT_ID, launch_type: 'standalone-provider', user: 'clerk' });
      assert.equal(other.statusCode, 400);
      assert.match(other.body, /id="user-error"/);
      const sim = await postLaunch(b, { app: CLIENT_ID, launch_type: 'standalone-provider', user: 'admin', sim: 'auth_invalid_scope' });
      assert.equal(sim.statusCode, 400);
      assert.match(sim.body, /id="sim-error">Simulated errors exist in sandbox mode only/);
    });
  });
}
