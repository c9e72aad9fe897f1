import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { seedSandboxUsers } from '../../src/sandbox/auth/sandbox-users.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { firstPartyClient, introspect, launch, PATIENT_LOGIN, PRACTITIONER_LOGIN, putAdmin, refresh, type Json } from './launch-flow-support.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

const SCOPE = 'launch/patient openid fhirUser offline_access patient/Patient.rs patient/Observation.rs';

/** The grant ids the page offers to revoke, in page order. */
const grantIdsIn = (body: string) => [...body.matchAll(/name="grant" value="([^"]+)"/g)].map((m) => m[1] ?? '');

/** The patient-facing authorized-apps page (SMART `management_endpoint`) and its Revoke buttons. */
for (const driver of drivers) {
  describe(`authorized apps page (${driver})`, () => {
    let portico: TestPortico;
    // Moved by the test (never waited on), to let tokens expire.
    let clock = Date.now();

    before(async () => {
      portico = await startPortico(driver, {}, { now: () => new Date(clock) });
      await seedSandboxUsers(portico.auth.users);
      await putAdmin(portico.app, '/fhir/Patient/test-pt-1', { resourceType: 'Patient', id: 'test-pt-1', name: [{ use: 'official', given: ['Amy'], family: 'Shaw' }] });
      await putAdmin(portico.app, '/Client/tracker-app', firstPartyClient('Health <Tracker>'));
      await putAdmin(portico.app, '/Client/other-app', firstPartyClient('Other App'));
    });
    after(() => portico.stop());

    const signedIn = async (who = PATIENT_LOGIN, address = '203.0.113.1'): Promise<Browser> => {
      const b = browser(portico.app, address);
      assert.equal((await b.signIn(who.email, who.password)).statusCode, 303);
      return b;
    };
    const fhirRead = (accessToken: unknown) =>
      portico.app.inject({ method: 'GET', url: '/fhir/Patient/test-pt-1', headers: { authorization: `Bearer ${String(accessToken)}` } });
    const revokeFrom = (b: Browser, page: LightMyRequestResponse, grant: string, headers: Record<string, string> = {}) =>
      b.post('/auth/apps/revoke', { csrf_token: csrfTokenIn(page.body), grant }, headers);

    it('without a session: 303 to the sign-in page, which comes back to the apps page', async () => {
      const b = browser(portico.app, '203.0.113.9');
      const res = await b.get('/auth/apps');
      assert.equal(res.statusCode, 303);
      const location = new URL(String(res.headers.location), TEST_BASE_URL);
      assert.equal(location.pathname, '/auth/login');
      assert.equal(location.searchParams.get('return_to'), '/auth/apps');
      const login = await b.signIn(PATIENT_LOGIN.email, PATIENT_LOGIN.password, '/auth/apps');
      assert.equal(login.statusCode, 303);
      assert.equal(login.headers.location, '/auth/apps');
      const page = await b.get('/auth/apps');
      assert.equal(page.statusCode, 200);
    });

    it('lists the app with its name, scopes in plain words, date and patient; a sign-out button; page headers', async () => {
      const b = await signedIn();
      const tokens = await launch(portico.app, b, 'tracker-app', SCOPE);
      const page = await b.get('/auth/apps');
      assert.equal(page.statusCode, 200);
      assert.match(String(page.headers['content-type']), /^text\/html/);
      assert.equal(page.headers['x-frame-options'], 'SAMEORIGIN');
      assert.match(String(page.headers['content-security-policy']), /frame-ancestors 'self'/);
      assert.equal(page.headers['cache-control'], 'no-store');
      assert.match(page.body, /Health &lt;Tracker&gt;/, 'the client name, escaped');
      assert.doesNotMatch(page.body, /<Tracker>/);
      assert.match(page.body, /Read your demographics/);
      assert.match(page.body, /Read your observations/);
      assert.match(page.body, /Keep access while you are not using the app/);
      assert.match(page.body, /Amy Shaw<\/strong> \(test-pt-1\)/);
      const today = new Date(clock).toISOString().slice(0, 10);
      assert.match(page.body, new RegExp(`<time datetime="${today}`));
      const grant = String(decodeJwt(String(tokens.access_token)).grant);
      assert.ok(grantIdsIn(page.body).includes(grant));
      assert.match(page.body, /<form method="post" action="\/auth\/apps\/revoke">/);
      assert.match(page.body, /<form method="post" action="\/auth\/logout">\n<input type="hidden" name="csrf_token" value="[^"]+">\n<button type="submit">Sign out<\/button>/);
      // One card for the app; its Revoke button's accessible name says which app and which authorization.
      assert.equal(page.body.match(/<section class="card app">/g)?.length, 1);
      assert.match(page.body, /<button type="submit">Revoke<span class="visually-hidden"> access of Health &lt;Tracker&gt; allowed on \d{4}-\d\d-\d\d \d\d:\d\d UTC, for Amy Shaw<\/span><\/button>/);
      // The sign-out button works from this page.
      const out = await b.post('/auth/logout', { csrf_token: csrfTokenIn(page.body) });
      assert.equal(out.statusCode, 200);
      assert.equal((await b.get('/auth/apps')).statusCode, 303);
    });

    it('Revoke: 303 back to the page; the access token stops working on the FHIR API at once, the refresh token fails', async () => {
      const b = await signedIn();
      const tokens = await launch(portico.app, b, 'tracker-app', SCOPE);
      assert.equal((await fhirRead(tokens.access_token)).statusCode, 200);
      const grant = String(decodeJwt(String(tokens.access_token)).grant);
      const page = await b.get('/auth/apps');

      // A revoke posted without a session (a valid CSRF token notwithstanding) revokes nothing: to sign-in.
      const anonymous = browser(portico.app, '203.0.113.7');
      const loginPage = await anonymous.get('/auth/login');
      const refused = await revokeFrom(anonymous, loginPage, grant);
      assert.equal(refused.statusCode, 303);
      assert.match(String(refused.headers.location), /^\/auth\/login\?return_to=/);
      assert.equal((await fhirRead(tokens.access_token)).statusCode, 200);

      const res = await revokeFrom(b, page, grant);
      assert.equal(res.statusCode, 303, res.body);
      assert.equal(res.headers.location, `/auth/apps?revoked=${grant}`);
      // The page confirms it, naming the app from the grant (escaped), never from the URL.
      const confirmed = await b.get(String(res.headers.location));
      assert.match(confirmed.body, /<p class="success" role="status">Access of <strong>Health &lt;Tracker&gt;<\/strong> revoked/);
      const forged = await b.get('/auth/apps?revoked=%3Cb%3EYour%20bank%3C%2Fb%3E');
      assert.doesNotMatch(forged.body, /revoked:|Your bank/);

      const fhir = await fhirRead(tokens.access_token);
      assert.equal(fhir.statusCode, 401);
      assert.match(String(fhir.headers['www-authenticate']), /^Bearer /);
      const refreshed = await refresh(portico.app, tokens.refresh_token, 'tracker-app');
      assert.equal(refreshed.statusCode, 400);
      assert.equal((refreshed.json() as Json).error, 'invalid_grant');
      assert.deepEqual(await introspect(portico.app, tokens.access_token, 'tracker-app'), { active: false });
      assert.ok(!grantIdsIn((await b.get('/auth/apps')).body).includes(grant));
      // Revoking it again (a double click) changes nothing and is not an error.
      const again = await revokeFrom(b, page, grant);
      assert.equal(again.statusCode, 303);
    });

    it('one card per app: two authorizations of it inside, Revoke buttons whose accessible names differ; a debug token is marked', async () => {
      const b = await signedIn(PATIENT_LOGIN, '203.0.113.40');
      await launch(portico.app, b, 'tracker-app', SCOPE);
      await launch(portico.app, b, 'tracker-app', SCOPE);
      const minted = await portico.app.inject({ method: 'POST', url: '/oauth/debug/token', payload: { client_id: 'tracker-app', scope: 'patient/Patient.rs', user_name: PATIENT_LOGIN.email } });
      assert.equal(minted.statusCode, 200, minted.body);
      const page = await b.get('/auth/apps');
      assert.equal(page.body.match(/<section class="card app">/g)?.length, 1, 'one card for the one app');
      const names = [...page.body.matchAll(/<button type="submit">Revoke<span class="visually-hidden">([^<]+)<\/span>/g)].map((m) => m[1]);
      assert.ok(names.length >= 3, page.body);
      assert.equal(new Set(names).size, names.length, `every Revoke button has its own name: ${names.join(' | ')}`);
      assert.match(page.body, /<span class="badge">Debug token<\/span> Minted on/);
    });

    it("another user's grant id is refused: nothing revoked, nothing told; their apps are not listed", async () => {
      const doctor = await signedIn(PRACTITIONER_LOGIN, '203.0.113.2');
      const theirs = await launch(portico.app, doctor, 'other-app', 'openid fhirUser user/Patient.rs');
      const theirGrant = String(decodeJwt(String(theirs.access_token)).grant);

      const b = await signedIn();
      const page = await b.get('/auth/apps');
      assert.doesNotMatch(page.body, /Other App/);
      assert.ok(!grantIdsIn(page.body).includes(theirGrant));
      for (const grant of [theirGrant, 'no-such-grant', '']) {
        const res = await revokeFrom(b, page, grant);
        assert.equal(res.statusCode, 404, grant);
        assert.equal(res.headers.location, undefined);
        assert.doesNotMatch(res.body, /Other App|sandbox-practitioner/);
      }
      assert.equal((await introspect(portico.app, theirs.access_token, 'other-app')).active, true);
      assert.ok(grantIdsIn((await doctor.get('/auth/apps')).body).includes(theirGrant));
    });

    it('a revoke without the CSRF token, or from another origin, is refused and revokes nothing', async () => {
      const b = await signedIn();
      const tokens = await launch(portico.app, b, 'tracker-app', SCOPE);
      const grant = String(decodeJwt(String(tokens.access_token)).grant);
      const page = await b.get('/auth/apps');
      const noToken = await b.post('/auth/apps/revoke', { grant });
      assert.equal(noToken.statusCode, 403);
      const forged = await b.post('/auth/apps/revoke', { grant, csrf_token: 'forged' });
      assert.equal(forged.statusCode, 403);
      const crossSite = await revokeFrom(b, page, grant, { origin: 'https://evil.example' });
      assert.equal(crossSite.statusCode, 403);
      assert.equal((await fhirRead(tokens.access_token)).statusCode, 200);
    });

    it('grants whose tokens have all expired are no longer listed', async () => {
      const b = await signedIn();
      const tokens = await launch(portico.app, b, 'other-app', 'launch/patient patient/Patient.rs');
      assert.equal(tokens.refresh_token, undefined);
      const grant = String(decodeJwt(String(tokens.access_token)).grant);
      assert.ok(grantIdsIn((await b.get('/auth/apps')).body).includes(grant));
      clock += (Number(tokens.expires_in) + 1) * 1000;
      const later = await signedIn();
      assert.ok(!grantIdsIn((await later.get('/auth/apps')).body).includes(grant));
    });
  });
}
