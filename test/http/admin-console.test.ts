import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';
import { SANDBOX_ADMIN_LOGIN } from '../../src/sandbox/auth/sandbox-users.ts';
import { CLERK, consoleBrowser, GLOBAL_ADMIN, rootBasic, startConsolePortico, TENANT, TENANT_ADMIN } from './console-support.ts';
import { browser } from './login-support.ts';

for (const driver of drivers) {
  describe(`the admin console: who gets in (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startConsolePortico(driver, 'sandbox');
    });
    after(() => portico.stop());

    it('a global administrator signed in sees the dashboard over every tenant', async () => {
      const b = await consoleBrowser(portico.app, GLOBAL_ADMIN);
      const res = await b.get('/admin');
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /every tenant/);
      assert.match(res.body, /Ada Admin/);
      assert.match(res.body, /<span class="stat-value">2<\/span> <span class="stat-label">tenants<\/span>/);
      assert.equal(res.headers['cache-control'], 'no-store');
    });

    it("a tenant's administrator signs in at the tenant and sees only it; at the root URLs the account is nobody", async () => {
      const b = await consoleBrowser(portico.app, TENANT_ADMIN, `/t/${TENANT}`);
      const res = await b.get(`/t/${TENANT}/admin`);
      assert.match(res.body, /tenant north/);
      assert.doesNotMatch(res.body, /stat-label">tenants?</);
      // Their session is the tenant's: the root console sends them to sign in.
      const root = await b.get('/admin');
      assert.equal(root.statusCode, 303);
      assert.equal(root.headers.location, '/auth/login?return_to=%2Fadmin');
      // And the sign-in at the root refuses them (their account is the tenant's).
      const other = browser(portico.app);
      const login = await other.signIn(TENANT_ADMIN.email, TENANT_ADMIN.password, '/admin');
      assert.equal(login.statusCode, 401);
    });

    it('nobody signed in is sent to sign in; a User without the role admin is refused (403)', async () => {
      const anonymous = await browser(portico.app).get('/admin');
      assert.equal(anonymous.statusCode, 303);
      assert.equal(anonymous.headers.location, '/auth/login?return_to=%2Fadmin');
      const clerk = browser(portico.app);
      assert.equal((await clerk.signIn(CLERK.email, CLERK.password, '/admin')).statusCode, 303);
      const refused = await clerk.get('/admin');
      assert.equal(refused.statusCode, 403);
      assert.match(refused.body, /Administrators only/);
    });

    it("the root client's Basic credentials open the admin API but not the console", async () => {
      const api = await portico.app.inject({ method: 'GET', url: '/User', headers: { authorization: rootBasic } });
      assert.equal(api.statusCode, 200);
      const page = await portico.app.inject({ method: 'GET', url: '/admin', headers: { authorization: rootBasic } });
      assert.equal(page.statusCode, 303);
      assert.equal(page.headers.location, '/auth/login?return_to=%2Fadmin');
    });
  });
}

describe('the sandbox administrator (pglite)', () => {
  it('is seeded with the demo data and opens the console over every tenant', async () => {
    const portico = await startPortico('pglite', { SEED: 'demo' });
    try {
      assert.deepEqual(portico.sandboxAdmin, SANDBOX_ADMIN_LOGIN);
      const b = await consoleBrowser(portico.app, SANDBOX_ADMIN_LOGIN);
      const res = await b.get('/admin');
      assert.match(res.body, /every tenant/);
      assert.match(res.body, /Sandbox Administrator/);
    } finally {
      await portico.stop();
    }
  });
});
