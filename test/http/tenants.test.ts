import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { persistentDatabase, withPortico } from '../support/persistent-database.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';
import { DatabaseUnavailable } from '../../src/fhir/storage-fault.ts';
import type { Database } from '../../src/storage/database.ts';

for (const driver of drivers) {
  describe(`Tenants: the admin resource (${driver})`, () => {
    let portico: TestPortico;
    let admin: ReturnType<typeof adminHttp>;

    before(async () => {
      portico = await startPortico(driver);
      admin = adminHttp(portico.app);
    });
    after(() => portico.stop());

    it('exists from the start as the default tenant, which can be branded but never deactivated or deleted', async () => {
      const found = await admin('GET', '/Tenant/default');
      assert.equal(found.status, 200, found.text);
      assert.equal(found.body.resourceType, 'Tenant');
      assert.equal(found.body.active, true);
      const branded = await admin('PUT', '/Tenant/default', { body: { name: 'Portico Health', color: '#0b6e4f' } });
      assert.equal(branded.status, 200, branded.text);
      assert.equal(branded.body.name, 'Portico Health');
      const deactivated = await admin('PUT', '/Tenant/default', { body: { name: 'Portico Health', active: false } });
      assert.equal(deactivated.status, 422, deactivated.text);
      assert.deepEqual(deactivated.body.issue[0].expression, ['Tenant.active']);
      const deleted = await admin('DELETE', '/Tenant/default');
      assert.equal(deleted.status, 409, deleted.text);
      assert.equal((await admin('GET', '/Tenant/default')).status, 200);
    });

    it('is created and replaced with PUT (JSON or YAML), read, listed, and validated field by field', async () => {
      const created = await admin('PUT', '/Tenant/acme', { body: { name: 'Acme Clinic', logo: 'https://acme.example/logo.png', color: '#123abc' } });
      assert.equal(created.status, 201, created.text);
      assert.equal(created.body.id, 'acme');
      assert.equal(created.body.active, true);
      const yaml = await admin('PUT', '/Tenant/acme', { body: 'name: Acme Health\nactive: true\n', contentType: 'application/yaml' });
      assert.equal(yaml.status, 200, yaml.text);
      assert.equal(yaml.body.name, 'Acme Health');
      assert.equal(yaml.body.meta.versionId, '2');
      const list = await admin('GET', '/Tenant');
      assert.equal(list.status, 200, list.text);
      assert.deepEqual(list.body.entry.map((e: { resource: { id: string } }) => e.resource.id).sort(), ['acme', 'default']);

      for (const [body, field] of [
        [{}, 'Tenant.name'],
        [{ name: 'x', color: 'red' }, 'Tenant.color'],
        [{ name: 'x', logo: 'javascript:alert(1)' }, 'Tenant.logo'],
        [{ name: 'x', region: 'eu' }, 'Tenant'],
      ] as const) {
        const refused = await admin('PUT', '/Tenant/acme-2', { body });
        assert.equal(refused.status, 422, `${JSON.stringify(body)}: ${refused.text}`);
        assert.ok(refused.body.issue.some((i: { diagnostics: string }) => i.diagnostics.startsWith(field)), refused.text);
      }
      for (const id of ['Acme', '-acme', 'a'.repeat(64), 'acme_clinic']) {
        const refused = await admin('PUT', `/Tenant/${id}`, { body: { name: 'x' } });
        assert.equal(refused.status, 400, `${id}: ${refused.text}`);
      }
      assert.equal((await admin('GET', '/Tenant/acme-2')).status, 404);
    });

    it('is the root client\'s to manage: no credentials or wrong ones are refused', async () => {
      assert.equal((await admin('GET', '/Tenant/acme')).status, 200);
      assert.equal((await admin('GET', '/Tenant/acme', { authorization: null })).status, 401);
      assert.equal((await admin('PUT', '/Tenant/evil', { body: { name: 'Evil' }, authorization: basic('root', 'wrong') })).status, 401);
      assert.equal((await admin('GET', '/Tenant/evil')).status, 404);
    });

    it('binds Clients, Users and AccessPolicies only to tenants that exist (422 naming the tenant)', async () => {
      for (const [kind, body] of [
        ['Client', { secret: 'bound-secret-123', grant_types: ['client_credentials'], scope: ['system/*.rs'], meta: { _tenant: 'nowhere' } }],
        ['User', { email: 'nowhere@example.org', password: 'password-123', meta: { _tenant: 'nowhere' } }],
        ['AccessPolicy', { engine: 'allow', link: [{ resourceType: 'Client', id: 'bound-client' }], meta: { _tenant: 'nowhere' } }],
      ] as const) {
        const refused = await admin('PUT', `/${kind}/bound-${kind.toLowerCase()}`, { body });
        assert.equal(refused.status, 422, refused.text);
        assert.match(refused.body.issue[0].diagnostics, /no tenant "nowhere"/);
        const accepted = await admin('PUT', `/${kind}/bound-${kind.toLowerCase()}`, { body: { ...body, meta: { _tenant: 'acme' } } });
        assert.equal(accepted.status, 201, accepted.text);
        assert.equal(accepted.body.meta._tenant, 'acme');
      }
    });

    it('is deleted only when it holds nothing: 409 naming what it holds, then 200', async () => {
      const refused = await admin('DELETE', '/Tenant/acme');
      assert.equal(refused.status, 409, refused.text);
      assert.match(refused.body.issue[0].diagnostics, /1 Client, 1 User, 1 AccessPolicy\b/);
      for (const kind of ['Client', 'User', 'AccessPolicy']) assert.equal((await admin('DELETE', `/${kind}/bound-${kind.toLowerCase()}`)).status, 200);
      const deleted = await admin('DELETE', '/Tenant/acme');
      assert.equal(deleted.status, 200, deleted.text);
      assert.equal((await admin('GET', '/Tenant/acme')).status, 404);
      assert.equal((await admin('DELETE', '/Tenant/acme')).status, 404);
    });
  });
}

for (const driver of drivers) {
  describe(`Tenants: a database made before tenants existed (${driver})`, () => {
    it('starts with the default tenant, and the tenants its registry already named', async () => {
      const database = await persistentDatabase(driver, 'portico-tenants-');
      try {
        // A database as the version before tenants left it: no tenant table, Clients bound to my-clinic and to a
        // name no tenant id can have.
        await withPortico(database, {}, async (p) => {
          await p.authDb.query('DROP TABLE auth_tenant');
          await p.authDb.query("DELETE FROM schema_migration WHERE version = '018_tenants'");
          for (const [id, tenant] of [['linked', 'my-clinic'], ['odd', 'My Clinic']] as const) {
            await p.authDb.query(
              `INSERT INTO auth_client (id, version_id, last_updated, tenant, content) VALUES ($1, 1, now(), $2, $3::jsonb)`,
              [id, tenant, JSON.stringify({ resourceType: 'Client', id, meta: { versionId: '1', lastUpdated: new Date().toISOString(), _tenant: tenant } })],
            );
          }
        });
        await withPortico(database, {}, async (p) => {
          const admin = adminHttp(p.app);
          const list = await admin('GET', '/Tenant');
          assert.equal(list.status, 200, list.text);
          assert.deepEqual(list.body.entry.map((e: { resource: { id: string } }) => e.resource.id).sort(), ['default', 'my-clinic']);
          assert.equal((await admin('GET', '/Client/linked')).body.meta._tenant, 'my-clinic');
        });
      } finally {
        await database.drop();
      }
    });
  });
}

for (const driver of drivers) {
  describe(`Tenants: a tenant that cannot be looked up (${driver})`, () => {
    // The registry's tenant lookup fails while `down` is set, as with its database out of reach.
    const state = { down: false };
    const failingTenantLookups = (db: Database): Database => ({
      ...db,
      query: (text, params) =>
        state.down && /FROM auth_tenant/.test(typeof text === 'string' ? text : text.text) ? Promise.reject(new DatabaseUnavailable('the test cut the database off')) : db.query(text, params),
    });
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, { CLIENT_CACHE_MS: '0' }, { wrapDatabase: failingTenantLookups });
      assert.equal((await adminHttp(portico.app)('PUT', '/Tenant/acme', { body: { name: 'Acme' } })).status, 201);
    });
    after(() => portico.stop());

    it('answers 503 with Retry-After in the shape of the surface asked, never a 500', async () => {
      const get = (url: string) => portico.app.inject({ method: 'GET', url, headers: { accept: 'application/fhir+json' } });
      assert.equal((await get('/t/acme/fhir/metadata')).statusCode, 200);
      state.down = true;
      try {
        const fhir = await get('/t/acme/fhir/metadata');
        assert.equal(fhir.statusCode, 503, fhir.body);
        assert.equal(JSON.parse(fhir.body).resourceType, 'OperationOutcome');
        assert.ok(fhir.headers['retry-after']);
        const admin = await portico.app.inject({ method: 'GET', url: '/t/acme/Client', headers: { authorization: basic('root', 'secret') } });
        assert.equal(admin.statusCode, 503, admin.body);
        assert.equal(JSON.parse(admin.body).resourceType, 'OperationOutcome');
        const token = await portico.app.inject({ method: 'POST', url: '/t/acme/auth/token', headers: { 'content-type': 'application/x-www-form-urlencoded' }, payload: 'grant_type=client_credentials' });
        assert.equal(token.statusCode, 503, token.body);
        assert.equal(JSON.parse(token.body).error, 'temporarily_unavailable');
      } finally {
        state.down = false;
      }
      assert.equal((await get('/t/acme/fhir/metadata')).statusCode, 200);
    });
  });
}
