import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

const PASSWORD = 'a developer password';
const PRODUCTION = {
  MODE: 'production',
  ADMIN_CLIENT_ID: 'root',
  ADMIN_CLIENT_SECRET: 'a-production-root-secret-0123456789',
  SESSION_SECRET: 'x'.repeat(32),
  SECRETS_KEY: 'a'.repeat(64),
  BASE_URL: TEST_BASE_URL,
};
const PRODUCTION_ROOT = { id: 'root', secret: PRODUCTION.ADMIN_CLIENT_SECRET };

/** Signs up at /portal/signup and signs in: the browser then holds a developer's session. */
async function signedUpDeveloper(app: FastifyInstance, email: string, address: string): Promise<Browser> {
  const b = browser(app, address);
  const form = await b.get('/portal/signup');
  assert.equal(form.statusCode, 200, form.body);
  const created = await b.post('/portal/signup', { csrf_token: csrfTokenIn(form.body), name: 'Dana Developer', email, password: PASSWORD });
  assert.equal(created.statusCode, 303, created.body);
  assert.match(String(created.headers.location), /^\/auth\/login\?return_to=%2Fportal%2Fapps/);
  const signedIn = await b.signIn(email, PASSWORD, '/portal/apps');
  assert.equal(signedIn.statusCode, 303, signedIn.body);
  assert.equal(signedIn.headers.location, '/portal/apps');
  return b;
}

const APP_FORM = {
  name: 'Heart Tracker',
  description: 'Tracks hearts',
  type: 'patient-facing-smart-app',
  confidentiality: 'confidential',
  redirectUris: 'https://heart.example.org/cb\nhttps://heart.example.org/cb2',
  launchUri: 'https://heart.example.org/launch',
  logoUrl: 'https://heart.example.org/logo.png',
  orgName: 'Heart Org',
  orgUrl: 'https://heart.example.org',
  policyUrl: 'https://heart.example.org/privacy',
  tosUrl: 'https://heart.example.org/tos',
  jwksUri: '',
  jwks: '',
};

/** Posts the new-app form (scopes as repeated checkboxes); the form's CSRF token is read first. */
async function registerApp(app: FastifyInstance, b: Browser, fields: Record<string, string>, scopes: string[] = []) {
  const form = await b.get('/portal/apps/new');
  assert.equal(form.statusCode, 200, form.body);
  const body = new URLSearchParams({ ...fields, csrf_token: csrfTokenIn(form.body) });
  for (const scope of scopes) body.append('scope', scope);
  const res = await app.inject({
    method: 'POST',
    url: '/portal/apps/new',
    remoteAddress: b.remoteAddress,
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.jar.header() },
    payload: body.toString(),
  });
  b.jar.take(res);
  return res;
}

const secretIn = (page: string) => /id="client-secret" type="text" readonly value="([^"]+)"/.exec(page)?.[1];
const clientIdIn = (page: string) => /id="client-id" type="text" readonly value="([^"]+)"/.exec(page)?.[1];
const tokenAt = (app: FastifyInstance, clientId: string, secret: string) =>
  app.inject({
    method: 'POST',
    url: '/auth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, secret) },
    payload: 'grant_type=authorization_code&code=not-a-code&redirect_uri=https%3A%2F%2Fheart.example.org%2Fcb',
  });

/** A code request for the client; what the authorize endpoint answers the browser. */
async function authorize(b: Browser, clientId: string) {
  const verifier = randomBytes(32).toString('base64url');
  const query = new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: 'https://heart.example.org/cb',
    scope: 'openid launch/patient patient/*.rs',
    state: 'st',
    aud: `${TEST_BASE_URL}/fhir`,
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  });
  return b.get(`/auth/authorize?${query.toString()}`);
}

for (const driver of drivers) {
  describe(`developer portal in the sandbox (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver);
    });
    after(() => portico.stop());

    it('sign-up is open; a duplicate email and a short password are refused at their fields', async () => {
      const dev = await signedUpDeveloper(portico.app, 'open@dev.example', '203.0.113.10');
      const list = await dev.get('/portal/apps');
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /Signed in as <strong>Dana Developer<\/strong>/);
      const other = browser(portico.app, '203.0.113.11');
      const form = await other.get('/portal/signup');
      const again = await other.post('/portal/signup', { csrf_token: csrfTokenIn(form.body), name: 'X', email: 'open@dev.example', password: PASSWORD });
      assert.equal(again.statusCode, 422);
      assert.match(again.body, /id="email-error">An account with this email already exists/);
      const short = await other.post('/portal/signup', { csrf_token: csrfTokenIn(again.body), name: 'X', email: 'new@dev.example', password: 'short' });
      assert.equal(short.statusCode, 422);
      assert.match(short.body, /id="password-error">At least 12 characters/);
    });

    it('a sign-up form without its CSRF token is refused, and nobody is created', async () => {
      const b = browser(portico.app, '203.0.113.12');
      await b.get('/portal/signup');
      const refused = await b.post('/portal/signup', { name: 'N', email: 'csrf@dev.example', password: PASSWORD });
      assert.equal(refused.statusCode, 403);
      const signIn = await b.signIn('csrf@dev.example', PASSWORD);
      assert.equal(signIn.statusCode, 401);
    });

    it('an anonymous visitor is sent to sign in and back', async () => {
      const res = await browser(portico.app, '203.0.113.13').get('/portal/apps/new');
      assert.equal(res.statusCode, 303);
      assert.equal(res.headers.location, `/auth/login?return_to=${encodeURIComponent('/portal/apps/new')}`);
    });

    it('registers a confidential app: its secret shown once, working at the token endpoint, approved at once', async () => {
      const dev = await signedUpDeveloper(portico.app, 'secret@dev.example', '203.0.113.14');
      const created = await registerApp(portico.app, dev, APP_FORM, ['openid', 'launch/patient', 'patient/*.rs']);
      assert.equal(created.statusCode, 201, created.body);
      const clientId = clientIdIn(created.body);
      const secret = secretIn(created.body);
      assert.ok(clientId && secret, 'the client_id and the secret are on the page');
      assert.match(created.body, /class="copy-button" data-copy="#client-secret"/);
      assert.match(created.body, /status-approved/);
      const again = await dev.get(`/portal/apps/${clientId}`);
      assert.equal(again.statusCode, 200);
      assert.ok(!again.body.includes(secret), 'the secret is never shown again');
      // The secret authenticates: the code is what fails (invalid_grant), not the client.
      const good = await tokenAt(portico.app, clientId, secret);
      assert.equal(good.statusCode, 400, good.body);
      assert.equal(JSON.parse(good.body).error, 'invalid_grant');
      const stored = (await adminHttp(portico.app)('GET', `/Client/${clientId}`)).body;
      assert.deepEqual(stored.scope, ['openid', 'launch/patient', 'patient/*.rs']);
      assert.deepEqual(stored.auth.authorization_code.redirect_uris, ['https://heart.example.org/cb2']);
      assert.equal(stored.status, 'approved');
      assert.equal(stored.details['logo-uri'], APP_FORM.logoUrl);

      // Rotation: a new secret, shown once; the old one stops working.
      const page = await dev.get(`/portal/apps/${clientId}`);
      const rotated = await dev.post(`/portal/apps/${clientId}/rotate-secret`, { csrf_token: csrfTokenIn(page.body) });
      assert.equal(rotated.statusCode, 200, rotated.body);
      const newSecret = secretIn(rotated.body);
      assert.ok(newSecret && newSecret !== secret);
      assert.equal(JSON.parse((await tokenAt(portico.app, clientId, secret)).body).error, 'invalid_client');
      assert.equal(JSON.parse((await tokenAt(portico.app, clientId, newSecret)).body).error, 'invalid_grant');
    });

    it('refuses a bad redirect URI, a missing name and a JWKS that is not JSON, each at its field', async () => {
      const dev = await signedUpDeveloper(portico.app, 'fields@dev.example', '203.0.113.15');
      const noName = await registerApp(portico.app, dev, { ...APP_FORM, name: '' });
      assert.equal(noName.statusCode, 422);
      assert.match(noName.body, /id="name-error">Enter the app name/);
      assert.match(noName.body, /id="name" name="name" type="text" required value="" aria-invalid="true" aria-describedby="name-error"/);
      const badRedirect = await registerApp(portico.app, dev, { ...APP_FORM, redirectUris: 'https://heart.example.org/cb#fragment' });
      assert.equal(badRedirect.statusCode, 422);
      assert.match(badRedirect.body, /id="redirectUris-error">[^<]*fragment/);
      const badJwks = await registerApp(portico.app, dev, { ...APP_FORM, type: 'bulk-api-client', redirectUris: '', jwks: '{"keys": [' });
      assert.equal(badJwks.statusCode, 422);
      assert.match(badJwks.body, /id="jwks-error">is not valid JSON/);
      assert.match(badJwks.body, /value="Heart Tracker"/, 'the form comes back as it was sent');
      assert.equal((await dev.get('/portal/apps')).body.includes('Heart Tracker'), false, 'nothing was registered');
    });

    it("another developer's app is 404 to every page and form; its owner deletes it", async () => {
      const owner = await signedUpDeveloper(portico.app, 'owner@dev.example', '203.0.113.16');
      const other = await signedUpDeveloper(portico.app, 'other@dev.example', '203.0.113.17');
      const clientId = clientIdIn((await registerApp(portico.app, owner, APP_FORM)).body) ?? '';
      assert.equal((await owner.get(`/portal/apps/${clientId}`)).statusCode, 200);
      const token = csrfTokenIn((await other.get('/portal/apps')).body);
      assert.equal((await other.get(`/portal/apps/${clientId}`)).statusCode, 404);
      assert.equal((await other.get(`/portal/apps/${clientId}/edit`)).statusCode, 404);
      for (const action of ['rotate-secret', 'submit', 'delete', 'edit']) {
        const res = await other.post(`/portal/apps/${clientId}/${action}`, { csrf_token: token, confirm: 'yes', ...APP_FORM });
        assert.equal(res.statusCode, 404, action);
      }
      assert.doesNotMatch((await other.get('/portal/apps')).body, /Heart Tracker/);

      const ask = await owner.post(`/portal/apps/${clientId}/delete`, { csrf_token: csrfTokenIn((await owner.get(`/portal/apps/${clientId}`)).body) });
      assert.equal(ask.statusCode, 200);
      assert.match(ask.body, /name="confirm" value="yes"/);
      const deleted = await owner.post(`/portal/apps/${clientId}/delete`, { csrf_token: csrfTokenIn(ask.body), confirm: 'yes' });
      assert.equal(deleted.statusCode, 200);
      assert.match(deleted.body, /Heart Tracker was deleted/);
      assert.equal((await owner.get(`/portal/apps/${clientId}`)).statusCode, 404);
    });

    it('a registration token, shown with a curl example, registers a client by RFC 7591', async () => {
      const dev = await signedUpDeveloper(portico.app, 'dcr@dev.example', '203.0.113.18');
      const issued = await dev.post('/portal/registration-token', { csrf_token: csrfTokenIn((await dev.get('/portal/apps')).body) });
      assert.equal(issued.statusCode, 200);
      const token = /id="registration-token" type="text" readonly value="([^"]+)"/.exec(issued.body)?.[1] ?? '';
      assert.ok(token);
      assert.match(issued.body, new RegExp(`curl -X POST &#39;${TEST_BASE_URL}/auth/register&#39;`));
      assert.ok(issued.body.includes(`Authorization: Bearer ${token}`));
      assert.match(issued.body, /<script src="\/auth\/assets\/copy-button.js" defer><\/script>/);
      assert.doesNotMatch((await dev.get('/portal/apps')).body, new RegExp(token), 'shown once');
    });

    it('the RPC and the portal make the same Client of the same input', async () => {
      const dev = await signedUpDeveloper(portico.app, 'same@dev.example', '203.0.113.19');
      const send = adminHttp(portico.app);
      const rpc = await send('POST', '/rpc', {
        authorization: basic('same@dev.example', PASSWORD),
        body: {
          method: 'smartbox.portal.developer.rpc/save-developer-application',
          params: { confidentiality: 'confidential', name: 'Same', description: 'd', 'redirect-url': 'https://same.example.org/cb', 'launch-url': 'https://same.example.org/launch', 'logo-url': 'https://same.example.org/l.png', 'org-name': 'O', 'org-url': 'https://same.example.org', 'policy-url': 'https://same.example.org/p', 'tos-url': 'https://same.example.org/t' },
        },
      });
      assert.equal(rpc.status, 200, rpc.text);
      const portal = await registerApp(portico.app, dev, { name: 'Same', description: 'd', type: 'patient-facing-smart-app', confidentiality: 'confidential', redirectUris: 'https://same.example.org/cb', launchUri: 'https://same.example.org/launch', logoUrl: 'https://same.example.org/l.png', orgName: 'O', orgUrl: 'https://same.example.org', policyUrl: 'https://same.example.org/p', tosUrl: 'https://same.example.org/t' });
      const portalClient = (await send('GET', `/Client/${clientIdIn(portal.body) ?? ''}`)).body;
      const rpcClient = (await send('GET', `/Client/${String(rpc.body.result.id)}`)).body;
      const comparable = (c: Record<string, unknown>) => {
        const { id: _id, meta: _meta, secret: _secret, ...rest } = c;
        return rest;
      };
      assert.deepEqual(comparable(portalClient), comparable(rpcClient));
    });

    it('a page with copy buttons may load script files from our origin, never inline script; other pages run no script', async () => {
      const dev = await signedUpDeveloper(portico.app, 'csp@dev.example', '203.0.113.20');
      const created = await registerApp(portico.app, dev, { name: 'Csp', type: 'patient-facing-smart-app', confidentiality: 'public', redirectUris: 'https://csp.example.org/cb' });
      assert.ok(created.statusCode === 200 || created.statusCode === 201, created.body);
      assert.match(created.body, /<script src="[^"]*copy-button\.js" defer>/);
      const csp = String(created.headers['content-security-policy']);
      assert.match(csp, /script-src 'self'(;|$)/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      // The sign-up page and the new-app form have no copy button: no script at all (default-src 'none').
      for (const url of ['/portal/signup', '/portal/apps/new', '/auth/login']) {
        const res = await dev.get(url);
        assert.equal(res.statusCode, 200, url);
        assert.doesNotMatch(String(res.headers['content-security-policy']), /script-src/, url);
        assert.doesNotMatch(res.body, /<script/, url);
      }
      const script = await portico.app.inject({ method: 'GET', url: '/auth/assets/copy-button.js' });
      assert.equal(script.statusCode, 200);
      assert.match(String(script.headers['content-type']), /^text\/javascript/);
      assert.match(script.body, /navigator\.clipboard/);
    });
  });

  describe(`developer portal in production (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, PRODUCTION);
    });
    after(() => portico.stop());

    it('sign-up is closed by default: a 403 page', async () => {
      const res = await browser(portico.app).get('/portal/signup');
      assert.equal(res.statusCode, 403);
      assert.match(res.body, /Sign-up is closed/);
    });

    it('draft → submitted → approved: only the owner may authorize until root approves; editing sends it back to draft', async () => {
      const send = adminHttp(portico.app, PRODUCTION_ROOT);
      const devUser = await send('POST', '/User', { body: { resourceType: 'User', email: 'prod-dev@dev.example', password: PASSWORD, roles: ['developer'] } });
      assert.equal(devUser.status, 201, devUser.text);
      const patientUser = await send('POST', '/User', { body: { resourceType: 'User', email: 'patient@dev.example', password: PASSWORD } });
      assert.equal(patientUser.status, 201, patientUser.text);
      const dev = browser(portico.app, '198.51.100.1');
      assert.equal((await dev.signIn('prod-dev@dev.example', PASSWORD, '/portal/apps')).statusCode, 303);
      const created = await registerApp(portico.app, dev, APP_FORM, ['openid', 'launch/patient', 'patient/*.rs']);
      assert.equal(created.statusCode, 201, created.body);
      assert.match(created.body, /status-draft/);
      const clientId = clientIdIn(created.body) ?? '';

      // The owner may try it (the consent page); another user is sent back to the app with unauthorized_client.
      const asOwner = await authorize(dev, clientId);
      assert.equal(asOwner.statusCode, 200, asOwner.body);
      const patient = browser(portico.app, '198.51.100.2');
      await patient.signIn('patient@dev.example', PASSWORD);
      const refused = await authorize(patient, clientId);
      assert.equal(refused.statusCode, 302, refused.body);
      const location = new URL(String(refused.headers.location));
      assert.equal(location.origin + location.pathname, 'https://heart.example.org/cb');
      assert.equal(location.searchParams.get('error'), 'unauthorized_client');

      const submitted = await dev.post(`/portal/apps/${clientId}/submit`, { csrf_token: csrfTokenIn(created.body) });
      assert.match(submitted.body, /status-submitted/);
      // The developer cannot approve it themselves, even with an AccessPolicy letting them PUT Clients.
      const policy = await send('PUT', '/AccessPolicy/dev-clients', { body: { engine: 'matcho', link: [{ resourceType: 'User', id: devUser.body.id }], matcho: { operation: { id: 'Client.update' } } } });
      assert.equal(policy.status, 201, policy.text);
      const { secret: _s, meta: _m, ...body } = (await send('GET', `/Client/${clientId}`)).body;
      const asDeveloper = basic('prod-dev@dev.example', PASSWORD);
      const unchanged = await send('PUT', `/Client/${clientId}`, { authorization: asDeveloper, body: { ...body, description: 'still submitted' } });
      assert.equal(unchanged.status, 200, unchanged.text);
      for (const status of ['approved', 'rejected', undefined]) {
        const selfReview = await send('PUT', `/Client/${clientId}`, { authorization: asDeveloper, body: { ...body, status } });
        assert.equal(selfReview.status, 403, `${String(status)}: ${selfReview.text}`);
      }

      const approved = await send('PUT', `/Client/${clientId}`, { body: { ...body, status: 'approved' } });
      assert.equal(approved.status, 200, approved.text);
      const nowAllowed = await authorize(patient, clientId);
      assert.equal(nowAllowed.statusCode, 200, 'the consent page, once approved');

      // An edit (a new redirect URI) sends it back to draft: what was approved is not what it now is.
      const editForm = await dev.get(`/portal/apps/${clientId}/edit`);
      assert.equal(editForm.statusCode, 200);
      const edited = await dev.post(`/portal/apps/${clientId}/edit`, { ...APP_FORM, redirectUris: 'https://heart.example.org/cb\nhttps://evil.example.org/cb', csrf_token: csrfTokenIn(editForm.body) });
      assert.equal(edited.statusCode, 200, edited.body);
      assert.match(edited.body, /status-draft/);
      assert.equal((await authorize(patient, clientId)).statusCode, 302);
    });

    it('a backend app gets no client_credentials token until approved', async () => {
      const send = adminHttp(portico.app, PRODUCTION_ROOT);
      const ask = () =>
        portico.app.inject({ method: 'POST', url: '/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic('bk-review', 'bk-secret-0123456789') }, payload: 'grant_type=client_credentials&scope=system%2FPatient.rs' });
      const client = { type: 'client', grant_types: ['client_credentials'], scope: ['system/*.rs'], secret: 'bk-secret-0123456789' };
      assert.equal((await send('PUT', '/Client/bk-review', { body: { ...client, status: 'approved' } })).status, 201);
      const issued = await ask();
      assert.equal(issued.statusCode, 200, issued.body);
      assert.equal((await send('PUT', '/Client/bk-review', { body: { ...client, status: 'submitted' } })).status, 200);
      const refused = await ask();
      assert.equal(refused.statusCode, 400, refused.body);
      assert.equal(JSON.parse(refused.body).error, 'unauthorized_client');
    });
  });
}
