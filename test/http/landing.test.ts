import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminHttp } from '../auth/support/admin-http.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

/** GET / at the root and at a tenant: what the server is and where things are, as HTML or JSON. */
for (const driver of drivers) {
  describe(`the landing page (${driver})`, () => {
    let sandbox: TestPortico;
    let production: TestPortico;

    before(async () => {
      sandbox = await startPortico(driver, { SEED: 'demo' });
      production = await startPortico(driver, { MODE: 'production', ADMIN_CLIENT_ID: 'root', ADMIN_CLIENT_SECRET: 'a-production-root-secret-of-length', SECRETS_KEY: Buffer.alloc(32, 7).toString('base64url'), SESSION_SECRET: 'a-session-secret-of-at-least-thirty-two-chars' });
    });
    after(async () => {
      await sandbox?.stop();
      await production?.stop();
    });

    it('answers people with a page: the issuer, the FHIR base, the discovery links and, in the sandbox, the demo sign-ins', async () => {
      const res = await sandbox.app.inject({ method: 'GET', url: '/', headers: { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
      assert.match(res.body, /<span class="badge">Sandbox<\/span>/);
      assert.ok(res.body.includes(`<code>${TEST_BASE_URL}/fhir</code>`));
      for (const href of [`${TEST_BASE_URL}/fhir/metadata`, `${TEST_BASE_URL}/fhir/.well-known/smart-configuration`, `${TEST_BASE_URL}/.well-known/openid-configuration`, `${TEST_BASE_URL}/.well-known/jwks.json`, `${TEST_BASE_URL}/auth/apps`]) {
        assert.ok(res.body.includes(`href="${href}"`), href);
      }
      assert.match(res.body, /patient@sandbox\.portico\.test/);
      assert.match(res.body, /sandbox-patient-password/);
      assert.match(res.body, /demo-confidential-app/);
      // The sandbox administrator, and the console they open.
      assert.ok(res.body.includes(`href="${TEST_BASE_URL}/admin">admin@sandbox.portico.test</a>`));
      assert.match(res.body, /sandbox-admin-password/);
      // my-clinic's users sign in at my-clinic.
      assert.ok(res.body.includes(`href="${TEST_BASE_URL}/t/my-clinic/auth/login">patient@my-clinic.portico.test</a>`));
    });

    it('answers programs with the same facts as JSON', async () => {
      const res = await sandbox.app.inject({ method: 'GET', url: '/', headers: { accept: 'application/json' } });
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.equal(body.product, 'Portico');
      assert.equal(body.mode, 'sandbox');
      assert.equal(body.issuer, TEST_BASE_URL);
      assert.equal(body.fhirBaseUrl, `${TEST_BASE_URL}/fhir`);
      assert.ok(body.links.some((l: { href: string }) => l.href === `${TEST_BASE_URL}/fhir/metadata`));
      assert.ok(body.demo.users.some((u: { email: string }) => u.email === 'patient@sandbox.portico.test'));
      assert.deepEqual(body.demo.admin, { email: 'admin@sandbox.portico.test', password: 'sandbox-admin-password', consoleUrl: `${TEST_BASE_URL}/admin` });
      assert.ok(body.links.some((l: { href: string; label: string }) => l.href === `${TEST_BASE_URL}/admin` && l.label === 'Admin console'));
    });

    it("at a tenant: its name, its URLs and only its demo users", async () => {
      const html = await sandbox.app.inject({ method: 'GET', url: '/t/my-clinic/' });
      assert.equal(html.statusCode, 200, html.body);
      assert.match(html.body, /<h1>Portico · My Clinic<\/h1>/);
      const json = (await sandbox.app.inject({ method: 'GET', url: '/t/my-clinic', headers: { accept: 'application/json' } })).json();
      assert.equal(json.issuer, `${TEST_BASE_URL}/t/my-clinic`);
      assert.equal(json.fhirBaseUrl, `${TEST_BASE_URL}/t/my-clinic/fhir`);
      assert.deepEqual(json.tenant, { id: 'my-clinic', name: 'My Clinic' });
      // Its own console is linked; the sandbox administrator (a global one, of the root URLs) is not offered there.
      assert.ok(json.links.some((l: { href: string }) => l.href === `${TEST_BASE_URL}/t/my-clinic/admin`));
      assert.equal(json.demo.admin, undefined);
      assert.deepEqual(json.demo.users.map((u: { email: string }) => u.email).sort(), ['patient@my-clinic.portico.test', 'practitioner@my-clinic.portico.test']);
      // Renamed, it says so.
      assert.equal((await adminHttp(sandbox.app)('PUT', '/Tenant/my-clinic', { body: { name: 'My Renamed Clinic' } })).status, 200);
      assert.equal((await sandbox.app.inject({ method: 'GET', url: '/t/my-clinic/', headers: { accept: 'application/json' } })).json().tenant.name, 'My Renamed Clinic');
      // An unknown tenant's front door is a page too: 404, in HTML.
      for (const url of ['/t/nobody', '/t/nobody/']) {
        const unknown = await sandbox.app.inject({ method: 'GET', url });
        assert.equal(unknown.statusCode, 404, url);
        assert.match(String(unknown.headers['content-type']), /^text\/html/, url);
      }
    });

    it('publishes no credentials and no badge in production', async () => {
      const res = await production.app.inject({ method: 'GET', url: '/' });
      assert.equal(res.statusCode, 200, res.body);
      assert.doesNotMatch(res.body, /badge|password|demo-/i);
      const json = (await production.app.inject({ method: 'GET', url: '/', headers: { accept: 'application/json' } })).json();
      assert.equal(json.mode, 'production');
      assert.equal(json.demo, undefined);
    });
  });
}
