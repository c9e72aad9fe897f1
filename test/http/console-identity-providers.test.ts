import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { drivers, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { consoleBrowser, GLOBAL_ADMIN, rootBasic, rootPut, startConsolePortico, TENANT, TENANT_ADMIN } from './console-support.ts';
import { csrfTokenIn, type Browser } from './login-support.ts';

/** Secrets the tests type: none may appear in any page the console answers. */
const SECRETS = ['north-upstream-secret-1', 'south-upstream-secret-1', 'typed-in-the-field-secret', 'typed-in-the-text-secret', 'json-upstream-secret-1', 'east-upstream-secret-1'];

const provider = (title: string, tenant: string | undefined, secret: string, extra: Record<string, unknown> = {}) => ({
  resourceType: 'IdentityProvider',
  title,
  issuer: 'https://login.example.org',
  client_id: 'portico',
  client_secret: secret,
  ...(tenant !== undefined ? { meta: { _tenant: tenant } } : {}),
  ...extra,
});

/** Fails the test when a page shows any of the secrets. */
function assertNoSecret(body: string, where: string): void {
  for (const secret of SECRETS) assert.ok(!body.includes(secret), `${where} shows a client secret`);
}

for (const driver of drivers) {
  describe(`the console's identity providers (${driver})`, () => {
    let portico: TestPortico;
    let admin: Browser;
    let northAdmin: Browser;

    const apiRead = (id: string) => portico.app.inject({ method: 'GET', url: `/IdentityProvider/${id}`, headers: { authorization: rootBasic } });

    /** Posts the editor's form with the page's own CSRF token; `id` only for a new provider. */
    async function saveProvider(b: Browser, path: string, text: string, format: 'yaml' | 'json', fields: { id?: string; client_secret?: string } = {}) {
      const form = await b.get(`${path}?format=${format}`);
      assert.equal(form.statusCode, 200, form.body);
      return b.post(path, { csrf_token: csrfTokenIn(form.body), format, text, ...fields });
    }

    before(async () => {
      portico = await startConsolePortico(driver, 'sandbox');
      const app = portico.app;
      await rootPut(app, '/Tenant/south', { resourceType: 'Tenant', name: 'South Clinic', active: true });
      await rootPut(app, '/IdentityProvider/north-sso', provider('North SSO', TENANT, 'north-upstream-secret-1', { mapping: { provisioning: 'jit' } }));
      await rootPut(app, '/IdentityProvider/south-sso', provider('South SSO', 'south', 'south-upstream-secret-1'));
      admin = await consoleBrowser(app, GLOBAL_ADMIN);
      northAdmin = await consoleBrowser(app, TENANT_ADMIN, `/t/${TENANT}`);
    });
    after(() => portico.stop());

    it("the root's list shows every tenant's providers with their tenant and redirect URI to copy", async () => {
      const res = await admin.get('/admin/identity-providers');
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /<a href="\/admin\/identity-providers\/north-sso">North SSO<\/a>/);
      assert.match(res.body, /<a href="\/admin\/identity-providers\/south-sso">South SSO<\/a>/);
      assert.match(res.body, /<th scope="col">Tenant<\/th>/);
      assert.match(res.body, /<td>south<\/td>/);
      assert.match(res.body, /<td>At first sign-in<\/td>/);
      assert.match(res.body, /<td>Linked Users only<\/td>/);
      assert.match(res.body, new RegExp(`<code id="redirect-uri-\\d">${TEST_BASE_URL}/t/south/auth/federation/south-sso/callback</code><button type="button" class="copy-button" data-copy="#redirect-uri-\\d">`));
      // The copy buttons' script is loaded from our origin, which the page's CSP allows.
      assert.match(res.body, /<script src="\/auth\/assets\/copy-button.js" defer><\/script>/);
      assert.match(String(res.headers['content-security-policy']), /script-src[^;]*'self'/);
      assert.match(res.body, /<a href="\/admin\/identity-providers" aria-current="page">Identity providers<\/a>/);
      assertNoSecret(res.body, 'the list');
    });

    it("a tenant's list shows its own providers only, without a tenant column", async () => {
      const res = await northAdmin.get(`/t/${TENANT}/admin/identity-providers`);
      assert.equal(res.statusCode, 200, res.body);
      assert.match(res.body, /<a href="\/t\/north\/admin\/identity-providers\/north-sso">North SSO<\/a>/);
      assert.match(res.body, new RegExp(`${TEST_BASE_URL}/t/north/auth/federation/north-sso/callback`));
      assert.doesNotMatch(res.body, /south-sso|South SSO/);
      assert.doesNotMatch(res.body, /<th scope="col">Tenant<\/th>/);
      assert.match(res.body, /1–1 of 1/);
    });

    it('a provider written as YAML is created by the editor, bound to the tenant, its secret sealed and never shown', async () => {
      const yaml = 'title: North staff\nissuer: https://staff.example.org\nclient_id: portico-north\nmapping:\n  provisioning: existing-only\n';
      // Without a secret, the admin API's validator refuses it, at nothing's line (the text has no client_secret).
      const noSecret = await saveProvider(northAdmin, `/t/${TENANT}/admin/identity-providers/new`, yaml, 'yaml', { id: 'north-staff' });
      assert.equal(noSecret.statusCode, 422, noSecret.body);
      assert.match(noSecret.body, /IdentityProvider\.client_secret: is required with client_secret_basic/);
      const saved = await saveProvider(northAdmin, `/t/${TENANT}/admin/identity-providers/new`, yaml, 'yaml', { id: 'north-staff', client_secret: 'typed-in-the-field-secret' });
      assert.equal(saved.statusCode, 303, saved.body);
      assert.equal(saved.headers.location, '/t/north/admin/identity-providers/north-staff?format=yaml&saved=1');
      const api = await apiRead('north-staff');
      assert.equal(api.statusCode, 200, api.body);
      const stored = JSON.parse(api.body);
      assert.equal(stored.meta._tenant, TENANT);
      assert.equal(stored.issuer, 'https://staff.example.org');
      assert.equal(stored.client_secret, undefined);
      const page = await northAdmin.get('/t/north/admin/identity-providers/north-staff?format=yaml&saved=1');
      assert.equal(page.statusCode, 200, page.body);
      assert.match(page.body, /Saved\./);
      assert.match(page.body, /title: North staff/);
      assert.match(page.body, new RegExp(`id="redirect-uri" type="text" readonly value="${TEST_BASE_URL}/t/north/auth/federation/north-staff/callback"`));
      assert.match(page.body, /a save without one keeps the stored secret/);
      assert.doesNotMatch(page.body, /client_secret:|redirect_uri/);
      assertNoSecret(page.body, 'the saved page');
      // An edit without a secret keeps the stored one (the validator would refuse it otherwise).
      const edited = await saveProvider(northAdmin, '/t/north/admin/identity-providers/north-staff', yaml.replace('North staff', 'North staff directory'), 'yaml');
      assert.equal(edited.statusCode, 303, edited.body);
      assert.equal(JSON.parse((await apiRead('north-staff')).body).title, 'North staff directory');
      // The tenant's sign-in page offers it.
      const signIn = await portico.app.inject({ method: 'GET', url: '/t/north/auth/login' });
      assert.equal(signIn.statusCode, 200);
      assert.match(signIn.body, /Sign in with North staff directory/);
    });

    it('a provider written as JSON is created by the root console at a tenant it names', async () => {
      const json = JSON.stringify({ resourceType: 'IdentityProvider', title: 'South keys', issuer: 'https://keys.example.org', client_id: 'portico-keys', token_endpoint_auth_method: 'private_key_jwt', meta: { _tenant: 'south' } }, null, 2);
      const saved = await saveProvider(admin, '/admin/identity-providers/new', json, 'json', { id: 'south-keys' });
      assert.equal(saved.statusCode, 303, saved.body);
      assert.equal(saved.headers.location, '/admin/identity-providers/south-keys?format=json&saved=1');
      const stored = JSON.parse((await apiRead('south-keys')).body);
      assert.equal(stored.token_endpoint_auth_method, 'private_key_jwt');
      assert.equal(stored.meta._tenant, 'south');
      const page = await admin.get('/admin/identity-providers/south-keys?format=json');
      assert.equal(page.statusCode, 200);
      assert.match(page.body, /&quot;token_endpoint_auth_method&quot;: &quot;private_key_jwt&quot;/);
      // The same with a secret typed in the JSON itself, as an admin API body would carry it.
      const withSecret = JSON.stringify({ title: 'Main SSO', issuer: 'https://main.example.org', client_id: 'portico', client_secret: 'json-upstream-secret-1' }, null, 2);
      const main = await saveProvider(admin, '/admin/identity-providers/new', withSecret, 'json', { id: 'main-sso' });
      assert.equal(main.statusCode, 303, main.body);
      const mainPage = await admin.get('/admin/identity-providers/main-sso?format=json');
      assert.equal(mainPage.statusCode, 200);
      assert.match(mainPage.body, /&quot;title&quot;: &quot;Main SSO&quot;/);
      assertNoSecret(mainPage.body, "the root's provider page");
    });

    it("the validator's problems are shown at their fields' lines (422), syntax errors at line and column (400); nothing changes", async () => {
      const shape = 'title: North SSO\nissuer: https://login.example.org\nclient_id: portico\nmapping:\n  provisioning: sometimes\n';
      const first = await saveProvider(northAdmin, '/t/north/admin/identity-providers/north-sso', shape, 'yaml');
      assert.equal(first.statusCode, 422, first.body);
      assert.match(first.body, /Line 5: IdentityProvider\.mapping\.provisioning: must be jit or existing-only/);
      const invalid = 'title: North SSO\nissuer: http://login.example.org\nclient_id: portico\nscopes:\n  - email\n';
      const res = await saveProvider(northAdmin, '/t/north/admin/identity-providers/north-sso', invalid, 'yaml');
      assert.equal(res.statusCode, 422, res.body);
      assert.match(res.body, /The identity provider has 2 problems/);
      assert.match(res.body, /Line 2: IdentityProvider\.issuer: must be an https URL/);
      assert.match(res.body, /Line 4: IdentityProvider\.scopes: must include openid/);
      const unknown = 'title: North SSO\nissuer: https://login.example.org\nclient_id: portico\nlogo: north.png\n';
      const second = await saveProvider(northAdmin, '/t/north/admin/identity-providers/north-sso', unknown, 'yaml');
      assert.equal(second.statusCode, 422, second.body);
      assert.match(second.body, /Line 4: IdentityProvider/);
      assert.match(second.body, /<code class="policy-line">logo: north.png<\/code>/);
      const broken = 'title: North SSO\nissuer: [https://login.example.org\nclient_id: portico\n';
      const syntax = await saveProvider(northAdmin, '/t/north/admin/identity-providers/north-sso', broken, 'yaml');
      assert.equal(syntax.statusCode, 400, syntax.body);
      assert.match(syntax.body, /Line \d+, column \d+: The body is not valid YAML/);
      const json = await saveProvider(northAdmin, '/t/north/admin/identity-providers/north-sso', '{\n  "title": "North SSO",\n  "issuer" "https://login.example.org"\n}\n', 'json');
      assert.equal(json.statusCode, 400, json.body);
      assert.match(json.body, /Line 3, column \d+: The body is not valid JSON/);
      assert.equal(JSON.parse((await apiRead('north-sso')).body).issuer, 'https://login.example.org');
    });

    it('a secret typed into a refused form is never shown back, in the text or the field', async () => {
      const invalid = 'title: North SSO\nissuer: http://login.example.org\nclient_id: portico\n';
      const field = await saveProvider(northAdmin, '/t/north/admin/identity-providers/north-sso', invalid, 'yaml', { client_secret: 'typed-in-the-field-secret' });
      assert.equal(field.statusCode, 422, field.body);
      assertNoSecret(field.body, 'the refused form');
      assert.match(field.body, /id="client_secret-error">Nothing was saved: enter the client secret again/);
      const inText = `${invalid}client_secret: typed-in-the-text-secret\n`;
      const text = await saveProvider(northAdmin, '/t/north/admin/identity-providers/north-sso', inText, 'yaml');
      assert.equal(text.statusCode, 422, text.body);
      assert.match(text.body, /client_secret: &quot;&quot;/);
      assertNoSecret(text.body, 'the refused text');
      const block = await saveProvider(northAdmin, '/t/north/admin/identity-providers/north-sso', `client_secret: |\n  typed-in-the-text-secret\n${invalid}`, 'yaml');
      assert.equal(block.statusCode, 422, block.body);
      assert.match(block.body, /Line 4: IdentityProvider\.issuer/);
      assertNoSecret(block.body, 'the refused block scalar');
      const brokenJson = '{\n  "title": "North SSO",\n  "client_secret": "typed-in-the-text-secret",\n  "issuer" "x"\n}\n';
      const syntax = await saveProvider(northAdmin, '/t/north/admin/identity-providers/north-sso', brokenJson, 'json');
      assert.equal(syntax.statusCode, 400, syntax.body);
      assertNoSecret(syntax.body, 'the refused JSON');
      for (const url of ['/admin/identity-providers', '/admin/identity-providers/north-sso', '/admin/identity-providers/north-sso?format=json', '/admin/identity-providers/south-sso']) {
        const page = await admin.get(url);
        assert.equal(page.statusCode, 200, url);
        assertNoSecret(page.body, url);
      }
    });

    it("a tenant's administrator cannot see, edit or delete another tenant's provider (404), nor take its id (409)", async () => {
      const own = await northAdmin.get('/t/north/admin/identity-providers/north-sso');
      assert.equal(own.statusCode, 200, own.body);
      const csrf = csrfTokenIn(own.body);
      const seen = await northAdmin.get('/t/north/admin/identity-providers/south-sso');
      assert.equal(seen.statusCode, 404, seen.body);
      assert.doesNotMatch(seen.body, /South SSO/);
      const text = 'title: Taken\nissuer: https://login.example.org\nclient_id: portico\n';
      const edit = await northAdmin.post('/t/north/admin/identity-providers/south-sso', { csrf_token: csrf, format: 'yaml', text, client_secret: 'x-secret' });
      assert.equal(edit.statusCode, 404, edit.body);
      const del = await northAdmin.post('/t/north/admin/identity-providers/south-sso/delete', { csrf_token: csrf, confirm: 'yes' });
      assert.equal(del.statusCode, 404, del.body);
      const taken = await northAdmin.post('/t/north/admin/identity-providers/new', { csrf_token: csrf, id: 'south-sso', format: 'yaml', text, client_secret: 'x-secret' });
      assert.equal(taken.statusCode, 409, taken.body);
      assert.match(taken.body, /id="id-error">IdentityProvider\/south-sso: this id is in use outside this tenant/);
      const api = JSON.parse((await apiRead('south-sso')).body);
      assert.equal(api.title, 'South SSO');
      assert.equal(api.meta._tenant, 'south');
    });

    it('deleting asks first, then deletes through the admin API', async () => {
      await rootPut(portico.app, '/IdentityProvider/short-lived', provider('Short lived', TENANT, 'north-upstream-secret-1'));
      const page = await northAdmin.get('/t/north/admin/identity-providers/short-lived');
      assert.equal(page.statusCode, 200);
      const asked = await northAdmin.post('/t/north/admin/identity-providers/short-lived/delete', { csrf_token: csrfTokenIn(page.body), confirm: 'no' });
      assert.equal(asked.statusCode, 200);
      assert.match(asked.body, /Delete IdentityProvider\/short-lived\?/);
      assert.match(asked.body, /href="\/t\/north\/admin\/identity-providers\/short-lived">Cancel<\/a>/);
      assert.equal((await apiRead('short-lived')).statusCode, 200);
      const done = await northAdmin.post('/t/north/admin/identity-providers/short-lived/delete', { csrf_token: csrfTokenIn(asked.body), confirm: 'yes' });
      assert.equal(done.statusCode, 303, done.body);
      assert.equal(done.headers.location, '/t/north/admin/identity-providers?deleted=short-lived');
      assert.equal((await apiRead('short-lived')).statusCode, 404);
      const list = await northAdmin.get(String(done.headers.location));
      assert.equal(list.statusCode, 200);
      assert.match(list.body, /IdentityProvider\/short-lived was deleted\./);
    });

    it("the service's refusal to delete a tenant's last way in (409) is shown on the provider's page", async () => {
      await rootPut(portico.app, '/Tenant/east', { resourceType: 'Tenant', name: 'East Clinic', active: true });
      await rootPut(portico.app, '/IdentityProvider/east-sso', provider('East SSO', 'east', 'east-upstream-secret-1'));
      await rootPut(portico.app, '/Tenant/east', { resourceType: 'Tenant', name: 'East Clinic', active: true, password_login: false });
      const page = await admin.get('/admin/identity-providers/east-sso');
      assert.equal(page.statusCode, 200);
      const asked = await admin.post('/admin/identity-providers/east-sso/delete', { csrf_token: csrfTokenIn(page.body), confirm: 'no' });
      assert.equal(asked.statusCode, 200);
      const refused = await admin.post('/admin/identity-providers/east-sso/delete', { csrf_token: csrfTokenIn(asked.body), confirm: 'yes' });
      assert.equal(refused.statusCode, 409, refused.body);
      assert.match(refused.body, /<p class="error" role="alert">IdentityProvider\/east-sso is the last active identity provider of tenant &quot;east&quot;, which has password sign-in turned off/);
      assertNoSecret(refused.body, 'the refusal');
      assert.equal((await apiRead('east-sso')).statusCode, 200);
      // Turning it off through the editor is refused the same way.
      const off = await saveProvider(admin, '/admin/identity-providers/east-sso', 'title: East SSO\nissuer: https://login.example.org\nclient_id: portico\nactive: false\nmeta:\n  _tenant: east\n', 'yaml');
      assert.equal(off.statusCode, 409, off.body);
      assert.match(off.body, /is the last active identity provider of tenant &quot;east&quot;/);
    });

    it('a form without its CSRF token changes nothing (403)', async () => {
      const res = await northAdmin.post('/t/north/admin/identity-providers/north-sso', { format: 'yaml', text: 'title: Changed\nissuer: https://login.example.org\nclient_id: portico\n' });
      assert.equal(res.statusCode, 403);
      assert.equal(JSON.parse((await apiRead('north-sso')).body).title, 'North SSO');
    });

    it('a User page shows the accounts linked to the User, read-only', async () => {
      await rootPut(portico.app, '/User/linked-nurse', { resourceType: 'User', email: 'nurse@example.org', identities: [{ issuer: 'https://login.example.org', subject: 'nurse-4711' }], meta: { _tenant: TENANT } });
      const page = await northAdmin.get('/t/north/admin/users/linked-nurse');
      assert.equal(page.statusCode, 200, page.body);
      assert.match(page.body, /<dt>Linked accounts<\/dt><dd><ul class="identity-list"><li>Subject <code>nurse-4711<\/code> at <code>https:\/\/login.example.org<\/code><\/li><\/ul><\/dd>/);
      const plain = await admin.get(`/admin/users/${GLOBAL_ADMIN.id}`);
      assert.equal(plain.statusCode, 200);
      assert.doesNotMatch(plain.body, /Linked accounts/);
    });
  });
}
