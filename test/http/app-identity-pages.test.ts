import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { adminHttp } from '../auth/support/admin-http.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { browser, csrfTokenIn } from './login-support.ts';

const REDIRECT = 'https://identity-app.example/callback';
const PATIENT = { email: 'patient@sandbox.portico.test', password: 'sandbox-patient-password' };
const DETAILS = {
  'logo-uri': 'https://cdn.identity-app.example/logo.png',
  'org-name': 'Identity Health Inc.',
  'org-uri': 'https://identity-app.example/',
  'policy-uri': 'https://identity-app.example/privacy',
  'tos-uri': 'https://identity-app.example/terms',
};

const authorizeQuery = (clientId: string) =>
  new URLSearchParams({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: REDIRECT,
    scope: 'openid patient/Patient.rs',
    state: 's',
    aud: `${TEST_BASE_URL}/fhir`,
    code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
    code_challenge_method: 'S256',
  }).toString();

/** The sign-in and consent pages say which app asks: its name, logo, organisation, policy and terms. */
for (const driver of drivers) {
  describe(`pages name the app asking (${driver})`, () => {
    let portico: TestPortico;

    before(async () => {
      portico = await startPortico(driver);
      await seedSandboxUsers(portico.auth.users);
      const root = adminHttp(portico.app);
      const app = (name: string, extra: Record<string, unknown>) => ({
        name,
        type: 'patient-facing-smart-app',
        grant_types: ['authorization_code'],
        auth: { authorization_code: { redirect_uri: REDIRECT, pkce: true, secret_required: false } },
        details: DETAILS,
        ...extra,
      });
      assert.equal((await root('PUT', '/Client/reviewed-app', { body: app('Identity Reviewed', {}) })).status, 201);
      // As if it had registered itself (RFC 7591) and nobody had reviewed it.
      assert.equal((await root('PUT', '/Client/self-registered', { body: app('Identity Unverified', { registration: { redirect_uris: [REDIRECT], token_endpoint_auth_method: 'none' } }) })).status, 201);
    });
    after(() => portico.stop());

    it('the sign-in page of an authorization request names the app, with its logo allowed by the CSP', async () => {
      const start = await portico.app.inject({ method: 'GET', url: `/auth/authorize?${authorizeQuery('reviewed-app')}` });
      assert.equal(start.statusCode, 303);
      const login = await portico.app.inject({ method: 'GET', url: String(start.headers.location) });
      assert.equal(login.statusCode, 200);
      assert.match(login.body, /Sign in to continue to <strong>Identity Reviewed<\/strong>/);
      assert.match(login.body, /<img src="https:\/\/cdn\.identity-app\.example\/logo\.png"/);
      assert.match(String(login.headers['content-security-policy']), /img-src 'self' https:\/\/cdn\.identity-app\.example;/);
      // Without an authorization request behind it, the page names no app and loads no other image.
      const plain = await portico.app.inject({ method: 'GET', url: '/auth/login' });
      assert.doesNotMatch(plain.body, /continue to|<img/);
      assert.match(String(plain.headers['content-security-policy']), /img-src 'self';/);
    });

    it('consent shows the logo, organisation, policy and terms; an unverified app shows no logo', async () => {
      const b = browser(portico.app);
      const page = await b.get('/auth/login');
      assert.equal((await b.post('/auth/login', { username: PATIENT.email, password: PATIENT.password, csrf_token: csrfTokenIn(page.body) })).statusCode, 303);
      const consent = await b.get(`/auth/authorize?${authorizeQuery('reviewed-app')}`);
      assert.equal(consent.statusCode, 200, consent.body);
      assert.match(consent.body, /<h1>Allow Identity Reviewed to access your health record\?<\/h1>/, "a patient user's own record");
      assert.match(consent.body, /<img src="https:\/\/cdn\.identity-app\.example\/logo\.png" alt="" width="48" height="48">/);
      assert.match(consent.body, /by <a href="https:\/\/identity-app\.example\/" rel="noopener noreferrer">Identity Health Inc\.<\/a>/);
      assert.match(consent.body, /<a href="https:\/\/identity-app\.example\/privacy" rel="noopener noreferrer">Privacy policy of Identity Reviewed<\/a>/);
      assert.match(consent.body, /<a href="https:\/\/identity-app\.example\/terms" rel="noopener noreferrer">Terms of use of Identity Reviewed<\/a>/);
      assert.match(String(consent.headers['content-security-policy']), /img-src 'self' https:\/\/cdn\.identity-app\.example;/);

      const unverified = await b.get(`/auth/authorize?${authorizeQuery('self-registered')}`);
      assert.equal(unverified.statusCode, 200, unverified.body);
      assert.match(unverified.body, /Unverified app/);
      assert.doesNotMatch(unverified.body, /<img/);
      assert.match(String(unverified.headers['content-security-policy']), /img-src 'self';/);
    });
  });
}
