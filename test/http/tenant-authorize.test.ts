import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LightMyRequestResponse } from 'fastify';
import { decodeJwt } from 'jose';
import { adminHttp } from '../auth/support/admin-http.ts';
import { ROOT_AUTHORIZATION } from '../support/fhir-client.ts';
import { drivers, startPortico, startSibling, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { browser, csrfTokenIn, type Browser } from './login-support.ts';

const REDIRECT = 'http://tenant-app.example/redirect';
const ALICE = { email: 'alice@acme.example', password: 'alice-of-acme-password' };
const BETTY = { email: 'betty@beta.example', password: 'betty-of-beta-password' };
const DORA = { email: 'dora@default.example', password: 'dora-of-default-password' };
const DOC = { email: 'doc@acme.example', password: 'doc-of-acme-password' };
const LOGO = 'https://cdn.beta.example/logo.png';
const base = (tenant: string | undefined) => (tenant === undefined ? '' : `/t/${tenant}`);
const issuerOf = (tenant: string | undefined) => `${TEST_BASE_URL}${base(tenant)}`;

const publicApp = (tenant?: string) => ({
  name: `Web app${tenant ? ` of ${tenant}` : ''}`,
  type: 'smart-app',
  grant_types: ['authorization_code', 'refresh_token'],
  scope: ['openid', 'fhirUser', 'launch/patient', 'patient/*.rs', 'user/*.rs', 'offline_access'],
  auth: { authorization_code: { redirect_uri: REDIRECT, refresh_token: true, secret_required: false, pkce: true } },
  ...(tenant ? { meta: { _tenant: tenant } } : {}),
});

/**
 * Sign-in, authorization and the token side at a tenant: each tenant's pages sign in its own Users, its codes and
 * refresh tokens are redeemed at its token endpoint only, and its tokens reach its FHIR data only. Every refusal is
 * shown beside the same request answered for the tenant it belongs to.
 */
for (const driver of drivers) {
  describe(`Tenants: sign-in, authorization and tokens stay at their tenant (${driver})`, () => {
    let portico: TestPortico;

    before(async () => {
      portico = await startPortico(driver);
      const root = adminHttp(portico.app);
      const put = async (url: string, body: unknown) => {
        const res = await root('PUT', url, { body });
        assert.ok(res.status === 200 || res.status === 201, `${url}: ${res.text}`);
      };
      await put('/Tenant/acme', { name: 'Acme Health' });
      await put('/Tenant/beta', { name: 'Beta Clinic', logo: LOGO, color: '#0b5394' });
      await put('/Client/global-web', publicApp());
      await put('/Client/acme-web', publicApp('acme'));
      // The same Patient ids at both tenants and the default one, with different names.
      for (const [tenant, family] of [['acme', 'Acmeson'], ['beta', 'Betason'], [undefined, 'Rootson']] as const) {
        for (const id of ['p1', 'p2']) {
          const res = await portico.app.inject({
            method: 'PUT',
            url: `${base(tenant)}/fhir/Patient/${id}`,
            headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/fhir+json' },
            payload: { resourceType: 'Patient', id, name: [{ family: `${family}-${id}` }] },
          });
          assert.equal(res.statusCode, 201, res.body);
        }
      }
      await put('/User/alice', { ...ALICE, fhirUser: 'Patient/p1', roles: ['patient'], meta: { _tenant: 'acme' } });
      await put('/User/doc', { ...DOC, fhirUser: 'Practitioner/doc', roles: ['practitioner'], meta: { _tenant: 'acme' } });
      await put('/User/dora', { ...DORA, fhirUser: 'Patient/p1', roles: ['patient'] });
      await put('/User/betty', { ...BETTY, fhirUser: 'Patient/p1', roles: ['patient'], meta: { _tenant: 'beta' } });
    });
    after(() => portico.stop());

    /** A browser signed in at the tenant's sign-in page. */
    const signedIn = async (tenant: string | undefined, who: { email: string; password: string }, address = '203.0.113.7'): Promise<Browser> => {
      const b = browser(portico.app, address);
      const page = await b.get(`${base(tenant)}/auth/login`);
      assert.equal(page.statusCode, 200, page.body);
      const res = await b.post(`${base(tenant)}/auth/login`, { username: who.email, password: who.password, csrf_token: csrfTokenIn(page.body) });
      assert.equal(res.statusCode, 303, res.body);
      return b;
    };

    const authorizeQuery = (tenant: string | undefined, clientId: string, scope: string, challenge: string) =>
      new URLSearchParams({
        response_type: 'code',
        client_id: clientId,
        redirect_uri: REDIRECT,
        scope,
        state: 'st-1',
        aud: `${issuerOf(tenant)}/fhir`,
        code_challenge: challenge,
        code_challenge_method: 'S256',
      }).toString();

    /** Runs authorization at a tenant for a signed-in browser up to the code (consent allowed as offered). */
    const codeAt = async (tenant: string | undefined, b: Browser, clientId = 'global-web', scope = 'openid fhirUser launch/patient patient/*.rs offline_access') => {
      const verifier = randomBytes(40).toString('base64url');
      const challenge = createHash('sha256').update(verifier).digest('base64url');
      const consent = await b.get(`${base(tenant)}/auth/authorize?${authorizeQuery(tenant, clientId, scope, challenge)}`);
      assert.equal(consent.statusCode, 200, consent.body);
      assert.match(consent.body, new RegExp(`action="${base(tenant)}/auth/authorize/decision"`));
      const request = (/name="authorize_request" value="([^"]+)"/.exec(consent.body)?.[1] ?? '').replace(/&amp;/g, '&');
      const form = new URLSearchParams({ csrf_token: csrfTokenIn(consent.body), authorize_request: request, decision: 'allow' });
      for (const m of consent.body.matchAll(/name="scope" value="([^"]*)" checked/g)) form.append('scope', (m[1] ?? '').replace(/&amp;/g, '&'));
      const decided = await portico.app.inject({
        method: 'POST',
        url: `${base(tenant)}/auth/authorize/decision`,
        remoteAddress: b.remoteAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.jar.header() },
        payload: form.toString(),
      });
      assert.equal(decided.statusCode, 303, decided.body);
      const location = new URL(String(decided.headers.location));
      assert.equal(location.searchParams.get('iss'), issuerOf(tenant), 'RFC 9207: the tenant is the issuer');
      const code = location.searchParams.get('code');
      assert.ok(code, String(decided.headers.location));
      return { code, verifier };
    };

    const tokenAtPath = (url: string, form: Record<string, string>) =>
      portico.app.inject({ method: 'POST', url, headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams(form).toString() });
    const tokenAt = (tenant: string | undefined, form: Record<string, string>) => tokenAtPath(`${base(tenant)}/auth/token`, form);
    const redeem = (tenant: string | undefined, grant: { code: string; verifier: string }, clientId = 'global-web') =>
      tokenAt(tenant, { grant_type: 'authorization_code', code: grant.code, code_verifier: grant.verifier, redirect_uri: REDIRECT, client_id: clientId });
    const refresh = (tenant: string | undefined, token: string) => tokenAt(tenant, { grant_type: 'refresh_token', refresh_token: token, client_id: 'global-web' });
    const json = (res: LightMyRequestResponse) => JSON.parse(res.body) as Record<string, unknown>;

    it('a tenant user signs in at its pages, authorizes a global app and gets tokens of its issuer for its own data', async () => {
      const anonymous = browser(portico.app);
      const verifier = randomBytes(40).toString('base64url');
      const start = await anonymous.get(`/t/acme/auth/authorize?${authorizeQuery('acme', 'global-web', 'openid launch/patient patient/*.rs', createHash('sha256').update(verifier).digest('base64url'))}`);
      assert.equal(start.statusCode, 303);
      const login = new URL(String(start.headers.location), TEST_BASE_URL);
      assert.equal(login.pathname, '/t/acme/auth/login');
      assert.match(login.searchParams.get('return_to') ?? '', /^\/t\/acme\/auth\/authorize\?/);

      const b = await signedIn('acme', ALICE);
      assert.ok(b.jar.cookies.has('portico_session_acme'), `the tenant's own session cookie: ${[...b.jar.cookies.keys()].join(', ')}`);
      assert.ok(!b.jar.cookies.has('portico_session'), 'no session at the default tenant');
      const grant = await codeAt('acme', b);
      const res = await redeem('acme', grant);
      assert.equal(res.statusCode, 200, res.body);
      const body = json(res);
      assert.equal(body.patient, 'p1');
      const claims = decodeJwt(String(body.access_token));
      assert.equal(claims.iss, issuerOf('acme'));
      assert.equal(claims.aud, `${issuerOf('acme')}/fhir`);
      assert.equal(decodeJwt(String(body.id_token)).iss, issuerOf('acme'));
      const read = await portico.app.inject({ method: 'GET', url: '/t/acme/fhir/Patient/p1', headers: { authorization: `Bearer ${String(body.access_token)}` } });
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(JSON.parse(read.body).name[0].family, 'Acmeson-p1');
      // The same token is nobody's at the other tenant or at the default one.
      for (const tenant of ['beta', undefined]) {
        const elsewhere = await portico.app.inject({ method: 'GET', url: `${base(tenant)}/fhir/Patient/p1`, headers: { authorization: `Bearer ${String(body.access_token)}` } });
        assert.equal(elsewhere.statusCode, 401, `${tenant ?? 'default'}: ${elsewhere.body}`);
      }
      // Its userinfo names the user; the others know no such token.
      const userinfo = await portico.app.inject({ method: 'GET', url: '/t/acme/auth/userinfo', headers: { authorization: `Bearer ${String(body.access_token)}` } });
      assert.equal(userinfo.statusCode, 200, userinfo.body);
      assert.equal(JSON.parse(userinfo.body).sub, 'alice');
      for (const tenant of ['beta', undefined]) {
        const elsewhere = await portico.app.inject({ method: 'GET', url: `${base(tenant)}/auth/userinfo`, headers: { authorization: `Bearer ${String(body.access_token)}` } });
        assert.equal(elsewhere.statusCode, 401, `${tenant ?? 'default'}: ${elsewhere.body}`);
      }
      // Its authorized-apps page lists the app, at its tenant.
      const apps = await b.get('/t/acme/auth/apps');
      assert.equal(apps.statusCode, 200, apps.body);
      assert.match(apps.body, /Web app/);
      assert.match(apps.body, /action="\/t\/acme\/auth\/apps\/revoke"/);
    });

    it("a tenant's code is redeemed at its token endpoint only", async () => {
      const b = await signedIn('acme', ALICE);
      const good = await redeem('acme', await codeAt('acme', b));
      assert.equal(good.statusCode, 200, good.body);
      for (const tenant of ['beta', undefined]) {
        const res = await redeem(tenant, await codeAt('acme', b));
        assert.equal(res.statusCode, 400, `${tenant ?? 'default'}: ${res.body}`);
        assert.equal(json(res).error, 'invalid_grant');
      }
      // And a default-tenant code is redeemed at the root only.
      const dora = await signedIn(undefined, DORA);
      assert.equal((await redeem(undefined, await codeAt(undefined, dora))).statusCode, 200);
      const res = await redeem('acme', await codeAt(undefined, dora));
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(json(res).error, 'invalid_grant');
    });

    it("a tenant's refresh token works at its token endpoint only, and is unknown to the others' introspection", async () => {
      const b = await signedIn('acme', ALICE);
      const first = json(await redeem('acme', await codeAt('acme', b)));
      const refreshToken = String(first.refresh_token);
      assert.ok(first.refresh_token, JSON.stringify(first));
      for (const tenant of ['beta', undefined]) {
        const res = await refresh(tenant, refreshToken);
        assert.equal(res.statusCode, 400, `${tenant ?? 'default'}: ${res.body}`);
        assert.equal(json(res).error, 'invalid_grant');
        const introspected = await portico.app.inject({
          method: 'POST',
          url: `${base(tenant)}/auth/introspect`,
          headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ token: refreshToken }).toString(),
        });
        assert.deepEqual(json(introspected), { active: false }, `${tenant ?? 'default'}`);
        // RFC 7009 §2.2: 200 whatever the token; another tenant's is not revoked by it.
        const revoked = await tokenAtPath(`${base(tenant)}/auth/revoke`, { token: refreshToken, client_id: 'global-web' });
        assert.equal(revoked.statusCode, 200, revoked.body);
      }
      // Refused elsewhere, it was not spent: the tenant's own endpoint still takes it.
      const introspected = await portico.app.inject({
        method: 'POST',
        url: '/t/acme/auth/introspect',
        headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ token: refreshToken }).toString(),
      });
      assert.equal(json(introspected).active, true, introspected.body);
      const again = await refresh('acme', refreshToken);
      assert.equal(again.statusCode, 200, again.body);
      assert.equal(decodeJwt(String(json(again).access_token)).iss, issuerOf('acme'));
      // Its own revocation endpoint does revoke it.
      const rotated = String(json(again).refresh_token);
      assert.equal((await tokenAtPath('/t/acme/auth/revoke', { token: rotated, client_id: 'global-web' })).statusCode, 200);
      assert.equal(json(await refresh('acme', rotated)).error, 'invalid_grant');
    });

    it("a tenant's user signs in there only; its session is no session at another tenant", async () => {
      const at = async (tenant: string | undefined, who: { email: string; password: string }, address: string) => {
        const b = browser(portico.app, address);
        const page = await b.get(`${base(tenant)}/auth/login`);
        return b.post(`${base(tenant)}/auth/login`, { username: who.email, password: who.password, csrf_token: csrfTokenIn(page.body) });
      };
      assert.equal((await at('acme', ALICE, '203.0.113.21')).statusCode, 303);
      assert.equal((await at('beta', BETTY, '203.0.113.22')).statusCode, 303);
      assert.equal((await at('beta', ALICE, '203.0.113.23')).statusCode, 401);
      assert.equal((await at(undefined, ALICE, '203.0.113.24')).statusCode, 401);

      // Alice's session id, presented under beta's cookie name: beta knows no such user, so it is no session.
      const alice = await signedIn('acme', ALICE, '203.0.113.25');
      const apps = await alice.get('/t/acme/auth/apps');
      assert.equal(apps.statusCode, 200, `${JSON.stringify(apps.headers)} ${alice.jar.header()}`);
      const forged = browser(portico.app, '203.0.113.26');
      forged.jar.cookies.set('portico_session_beta', String(alice.jar.cookies.get('portico_session_acme')));
      const atBeta = await forged.get('/t/beta/auth/apps');
      assert.equal(atBeta.statusCode, 303);
      assert.equal(atBeta.headers.location, `/t/beta/auth/login?${new URLSearchParams({ return_to: '/t/beta/auth/apps' }).toString()}`);
      // The session itself is untouched at acme.
      assert.equal((await alice.get('/t/acme/auth/apps')).statusCode, 200);
    });

    it("a Client bound to a tenant is unknown at another tenant's authorize endpoint", async () => {
      const b = await signedIn('acme', ALICE);
      const granted = await redeem('acme', await codeAt('acme', b, 'acme-web'), 'acme-web');
      assert.equal(granted.statusCode, 200, granted.body);
      const beta = await signedIn('beta', BETTY);
      const refused = await beta.get(`/t/beta/auth/authorize?${authorizeQuery('beta', 'acme-web', 'openid patient/*.rs', 'x'.repeat(43))}`);
      assert.equal(refused.statusCode, 400, refused.body);
      assert.match(refused.body, /<h1>/);
      assert.equal(refused.headers.location, undefined, 'never redirected to an unverified redirect_uri');
    });

    it("the patient picker lists the tenant's patients only", async () => {
      const b = await signedIn('acme', DOC);
      const verifier = randomBytes(40).toString('base64url');
      const consent = await b.get(`/t/acme/auth/authorize?${authorizeQuery('acme', 'global-web', 'openid launch/patient patient/*.rs', createHash('sha256').update(verifier).digest('base64url'))}`);
      assert.equal(consent.statusCode, 200, consent.body);
      const request = (/name="authorize_request" value="([^"]+)"/.exec(consent.body)?.[1] ?? '').replace(/&amp;/g, '&');
      const form = new URLSearchParams({ csrf_token: csrfTokenIn(consent.body), authorize_request: request, decision: 'allow' });
      for (const scope of ['openid', 'launch/patient', 'patient/*.rs']) form.append('scope', scope);
      const picker = await portico.app.inject({
        method: 'POST',
        url: '/t/acme/auth/authorize/decision',
        remoteAddress: b.remoteAddress,
        headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: b.jar.header() },
        payload: form.toString(),
      });
      assert.equal(picker.statusCode, 200, picker.body);
      assert.match(picker.body, /name="patient"/);
      assert.match(picker.body, /Acmeson-p1/);
      assert.doesNotMatch(picker.body, /Betason/);
    });

    it("a tenant's pages carry its branding; the default tenant's do not", async () => {
      const page = await browser(portico.app).get('/t/beta/auth/login');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /<title>Sign in · Beta Clinic<\/title>/);
      assert.match(page.body, /class="brand-name">Beta Clinic</);
      assert.match(page.body, new RegExp(`<img src="${LOGO}"`));
      assert.match(page.body, /href="\/t\/beta\/auth\/assets\/brand.css"/);
      assert.match(page.body, /action="\/t\/beta\/auth\/login"/);
      const csp = String(page.headers['content-security-policy']);
      assert.match(csp, /img-src 'self' https:\/\/cdn\.beta\.example(;|$)/);
      const css = await portico.app.inject({ method: 'GET', url: '/t/beta/auth/assets/brand.css' });
      assert.equal(css.statusCode, 200);
      assert.match(css.body, /--brand: #0b5394/);

      const acme = await browser(portico.app).get('/t/acme/auth/login');
      assert.match(acme.body, /class="brand-name">Acme Health</);
      assert.doesNotMatch(acme.body, /<img|brand\.css/);
      assert.match(String(acme.headers['content-security-policy']), /img-src 'self';/);
      assert.equal((await portico.app.inject({ method: 'GET', url: '/t/acme/auth/assets/brand.css' })).statusCode, 404);

      const root = await browser(portico.app).get('/auth/login');
      assert.doesNotMatch(root.body, /class="brand/);
      assert.match(root.body, /<title>Sign in · Portico<\/title>/);

      // Rebranded, the pages show it (after the tenant cache's few seconds at most; this process's write is seen at once).
      const res = await adminHttp(portico.app)('PUT', '/Tenant/acme', { body: { name: 'Acme Health System', color: '#224466' } });
      assert.equal(res.status, 200, res.text);
      const rebranded = await browser(portico.app).get('/t/acme/auth/login');
      assert.match(rebranded.body, /class="brand-name">Acme Health System</);
      assert.match(rebranded.body, /brand\.css/);
    });

    it('an unknown tenant answers a page request with an HTML page', async () => {
      const res = await portico.app.inject({ method: 'GET', url: '/t/nobody/auth/login' });
      assert.equal(res.statusCode, 404);
      assert.match(String(res.headers['content-type']), /text\/html/);
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
      assert.match(res.body, /no such tenant/);
    });

    if (driver === 'postgres') {
      it('a second process redeems a code and refresh token issued by the first at the same tenant only', async () => {
        const sibling = await startSibling(portico);
        try {
          const b = await signedIn('acme', ALICE);
          const grant = await codeAt('acme', b);
          const wrong = await (sibling.app as TestPortico['app']).inject({ method: 'POST', url: '/t/beta/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ grant_type: 'authorization_code', code: grant.code, code_verifier: grant.verifier, redirect_uri: REDIRECT, client_id: 'global-web' }).toString() });
          assert.equal(JSON.parse(wrong.body).error, 'invalid_grant', wrong.body);
          const other = await codeAt('acme', b);
          const right = await (sibling.app as TestPortico['app']).inject({ method: 'POST', url: '/t/acme/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: new URLSearchParams({ grant_type: 'authorization_code', code: other.code, code_verifier: other.verifier, redirect_uri: REDIRECT, client_id: 'global-web' }).toString() });
          assert.equal(right.statusCode, 200, right.body);
        } finally {
          await sibling.close();
        }
      });
    }
  });
}
