import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

/** A tenant's administrators manage its Clients, Users and AccessPolicies at /t/{tenant}/…, and nothing else. */
for (const driver of drivers) {
  describe(`Tenants: the tenant administrators' admin API (${driver})`, () => {
    let portico: TestPortico;
    let root: ReturnType<typeof adminHttp>;
    const acmeAdmin = basic('admin@acme.example', 'acme-admin-password');
    const betaAdmin = basic('admin@beta.example', 'beta-admin-password');

    before(async () => {
      portico = await startPortico(driver);
      root = adminHttp(portico.app);
      for (const tenant of ['acme', 'beta']) assert.equal((await root('PUT', `/Tenant/${tenant}`, { body: { name: tenant } })).status, 201);
      for (const tenant of ['acme', 'beta']) {
        const admin = { email: `admin@${tenant}.example`, password: `${tenant}-admin-password`, roles: ['admin'], meta: { _tenant: tenant } };
        assert.equal((await root('PUT', `/User/${tenant}-admin`, { body: admin })).status, 201);
      }
      assert.equal((await root('PUT', '/User/acme-clerk', { body: { email: 'clerk@acme.example', password: 'acme-clerk-password', meta: { _tenant: 'acme' } } })).status, 201);
      const client = (tenant?: string) => ({ secret: 'a-client-secret-1', grant_types: ['client_credentials'], scope: ['system/*.rs'], ...(tenant ? { meta: { _tenant: tenant } } : {}) });
      assert.equal((await root('PUT', '/Client/beta-c', { body: client('beta') })).status, 201);
      assert.equal((await root('PUT', '/Client/global-c', { body: client() })).status, 201);
    });
    after(() => portico.stop());

    it("lets a tenant's administrator create, read, list, change and delete its Clients, Users and AccessPolicies, bound to it", async () => {
      const created = await root('PUT', '/t/acme/Client/acme-c', { body: { secret: 'a-client-secret-2', grant_types: ['client_credentials'], scope: ['system/*.rs'] }, authorization: acmeAdmin });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.meta._tenant, 'acme');
      assert.equal((await root('GET', '/Client/acme-c')).body.meta._tenant, 'acme');
      const user = await root('POST', '/t/acme/User', { body: { email: 'nurse@acme.example', password: 'nurse-password-1' }, authorization: acmeAdmin });
      assert.equal(user.status, 201, user.text);
      assert.equal(user.body.meta._tenant, 'acme');
      assert.equal(user.headers.location, `${TEST_BASE_URL}/t/acme/User/${user.body.id as string}`);
      const policy = await root('PUT', '/t/acme/AccessPolicy/acme-c-allow', { body: { engine: 'allow', link: [{ resourceType: 'Client', id: 'acme-c' }] }, authorization: acmeAdmin });
      assert.equal(policy.status, 201, policy.text);
      assert.equal(policy.body.meta._tenant, 'acme');
      const clients = await root('GET', '/t/acme/Client', { authorization: acmeAdmin });
      assert.equal(clients.status, 200, clients.text);
      assert.deepEqual(clients.body.entry.map((e: { resource: { id: string } }) => e.resource.id), ['acme-c']);
      assert.equal(clients.body.total, 1);
      const users = await root('GET', '/t/acme/User', { authorization: acmeAdmin });
      assert.deepEqual(users.body.entry.map((e: { resource: { email: string } }) => e.resource.email).sort(), ['admin@acme.example', 'clerk@acme.example', 'nurse@acme.example']);
      const changed = await root('PUT', '/t/acme/Client/acme-c', { body: { grant_types: ['client_credentials'], scope: ['system/Patient.rs'] }, authorization: acmeAdmin });
      assert.equal(changed.status, 200, changed.text);
      const rotated = await root('POST', '/t/acme/Client/acme-c/$rotate-secret', { authorization: acmeAdmin });
      assert.equal(rotated.status, 200, rotated.text);
      assert.equal(typeof rotated.body.secret, 'string');
      // The new secret works at acme's token endpoint.
      const token = await portico.app.inject({ method: 'POST', url: '/t/acme/auth/token', headers: { authorization: basic('acme-c', rotated.body.secret), 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials&scope=system/Patient.rs' });
      assert.equal(token.statusCode, 200, token.body);
      assert.equal((await root('DELETE', `/t/acme/User/${user.body.id as string}`, { authorization: acmeAdmin })).status, 200);
    });

    it("sees nothing of another tenant's or the global registry, and changes none of it", async () => {
      for (const id of ['beta-c', 'global-c']) {
        assert.equal((await root('GET', `/t/acme/Client/${id}`, { authorization: acmeAdmin })).status, 404, id);
        assert.equal((await root('DELETE', `/t/acme/Client/${id}`, { authorization: acmeAdmin })).status, 404, id);
        assert.equal((await root('POST', `/t/acme/Client/${id}/$rotate-secret`, { authorization: acmeAdmin })).status, 404, id);
        const taken = await root('PUT', `/t/acme/Client/${id}`, { body: { secret: 'a-client-secret-3', grant_types: ['client_credentials'], scope: ['system/*.rs'] }, authorization: acmeAdmin });
        assert.equal(taken.status, 409, `${id}: ${taken.text}`);
        const still = await root('GET', `/Client/${id}`);
        assert.equal(still.body.meta.versionId, '1', `${id} is unchanged`);
      }
      assert.equal((await root('GET', '/t/acme/User/beta-admin', { authorization: acmeAdmin })).status, 404);
      // Nothing it writes lands elsewhere.
      const elsewhere = await root('PUT', '/t/acme/Client/acme-d', { body: { secret: 'a-client-secret-4', grant_types: ['client_credentials'], scope: ['system/*.rs'], meta: { _tenant: 'beta' } }, authorization: acmeAdmin });
      assert.equal(elsewhere.status, 422, elsewhere.text);
      assert.equal((await root('GET', '/Client/acme-d')).status, 404);
      // Beta's administrator sees beta's.
      assert.equal((await root('GET', '/t/beta/Client/beta-c', { authorization: betaAdmin })).status, 200);
    });

    it("signs in only its own administrators: not at another tenant, not on the deployment's admin API, not without the role", async () => {
      assert.equal((await root('GET', '/t/acme/Client', { authorization: acmeAdmin })).status, 200);
      assert.equal((await root('GET', '/t/beta/Client', { authorization: acmeAdmin })).status, 401);
      assert.equal((await root('GET', '/Client/acme-c', { authorization: acmeAdmin })).status, 401);
      assert.equal((await root('PUT', '/Tenant/acme', { body: { name: 'mine' }, authorization: acmeAdmin })).status, 401);
      assert.equal((await root('GET', '/t/acme/Client', { authorization: basic('clerk@acme.example', 'acme-clerk-password') })).status, 401);
      assert.equal((await root('GET', '/t/acme/Client', { authorization: basic('acme-c', 'a-client-secret-2') })).status, 401);
      assert.equal((await root('GET', '/t/acme/Client', { authorization: null })).status, 401);
      // Tenants are the root client's; the root client manages every tenant here too.
      assert.equal((await root('GET', '/t/acme/Tenant/acme', { authorization: acmeAdmin })).status, 404);
      const asRoot = await root('GET', '/t/acme/Client');
      assert.equal(asRoot.status, 200, asRoot.text);
      assert.deepEqual(asRoot.body.entry.map((e: { resource: { id: string } }) => e.resource.id), ['acme-c']);
    });
  });
}
