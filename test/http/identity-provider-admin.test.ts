import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RecordedAuditEvent } from '../../src/fhir/audit/audit-trail.ts';
import { adminHttp, basic, type AdminResponse, type SendOptions } from '../auth/support/admin-http.ts';
import { auditEvents } from '../support/audit-read.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

/**
 * The IdentityProvider admin resource over HTTP: the root client's and a tenant's administrators', JSON and YAML, its
 * validation, its secret (kept, never shown, never audited), and what it changes of Users (identities) and Tenants
 * (password_login, deletion).
 */

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const PORTICO_SUBTYPE = 'http://portico.example.org/fhir/CodeSystem/audit-event-subtype';
const IDENTITY_PROVIDER_ID = 'http://portico.example.org/fhir/sid/identity-provider';

/** The upstream's client secrets sent in this file: none may ever be read back, nor recorded. */
const SECRETS = {
  corp: 'corp-upstream-secret-4b9e1f27',
  corpRotated: 'corp-upstream-secret-rotated-88a1',
  yaml: 'yaml-upstream-secret-0c5d7e',
  alpha: 'alpha-upstream-secret-31f0aa',
  any: 'some-upstream-secret-6d2c90',
};

type Json = Record<string, unknown>;

/** An IdentityProvider body with only what is required (defaults left to the server), plus `extra`. */
const provider = (extra: Json = {}): Json => ({
  title: 'Sign in with Corp',
  issuer: 'https://login.corp.example/realms/staff',
  client_id: 'portico-at-corp',
  client_secret: SECRETS.any,
  ...extra,
});

const DEFAULTS = {
  token_endpoint_auth_method: 'client_secret_basic',
  scopes: ['openid', 'email', 'profile'],
  active: true,
  mapping: { user_claim: 'sub', fhirUser: { type: 'none' }, provisioning: 'existing-only' },
};

type Send = ReturnType<typeof adminHttp>;
type Method = Parameters<Send>[0];

/** A request whose status is asserted (with the answer in the message); the answer, for more assertions. */
async function expectStatus(send: Send, status: number, method: Method, url: string, options: SendOptions = {}): Promise<AdminResponse> {
  const res = await send(method, url, options);
  assert.equal(res.status, status, `${method} ${url}: ${res.text}`);
  return res;
}

/** No secret sent in this file appears in an answer (errors name the field client_secret, never its value). */
function assertNoSecretValue(res: AdminResponse, what: string): void {
  for (const secret of Object.values(SECRETS)) assert.ok(!res.text.includes(secret), `${what}: a secret is shown`);
}

/** A resource (or list) answer carries no client_secret: neither the field, whatever its value, nor any secret sent. */
function assertNoSecret(res: AdminResponse, what: string): void {
  assert.doesNotMatch(res.text, /client_secret"?\s*:/, `${what}: no client_secret field`);
  assertNoSecretValue(res, what);
}

/** A 422 whose issues name `expression`. */
function assertNames(res: AdminResponse, expression: string, what: string): void {
  assert.equal(res.status, 422, `${what}: ${res.text}`);
  assert.equal(res.body.resourceType, 'OperationOutcome', what);
  const named = res.body.issue.map((i: { expression?: string[] }) => i.expression?.[0]);
  assert.ok(named.includes(expression), `${what}: expected an issue naming ${expression}, got ${JSON.stringify(named)}`);
}

const idsOf = (bundle: { entry?: { resource: { id: string } }[] }) => (bundle.entry ?? []).map((e) => e.resource.id).sort();

/** The registry events (Application Activity) of a tenant about one object, oldest first. */
async function eventsAbout(portico: TestPortico, id: string, tenant = 'default'): Promise<RecordedAuditEvent[]> {
  const events = await auditEvents(portico, { type: `${DCM}|110100` }, tenant);
  return events.filter((e) => e.entity?.some((entity) => entity.what?.identifier?.value === id));
}
const porticoCode = (event: RecordedAuditEvent) => event.subtype?.find((c) => c.system === PORTICO_SUBTYPE)?.code;

for (const driver of drivers) {
  describe(`IdentityProvider admin API: root, tenant administrators, validation, secrets (${driver})`, () => {
    let portico: TestPortico;
    let root: Send;
    const alphaAdmin = basic('admin@alpha.example', 'alpha-admin-password');
    const betaAdmin = basic('admin@beta.example', 'beta-admin-password');

    before(async () => {
      portico = await startPortico(driver);
      root = adminHttp(portico.app);
      for (const tenant of ['alpha', 'beta']) {
        await expectStatus(root, 201, 'PUT', `/Tenant/${tenant}`, { body: { name: tenant } });
        const admin = { email: `admin@${tenant}.example`, password: `${tenant}-admin-password`, roles: ['admin'], meta: { _tenant: tenant } };
        await expectStatus(root, 201, 'PUT', `/User/${tenant}-admin`, { body: admin });
      }
    });
    after(() => portico.stop());

    it('root PUT creates one with the defaults filled in and its redirect_uri; GET, the list and YAML never show the secret', async () => {
      const body = provider({ client_secret: SECRETS.corp });
      const created = await expectStatus(root, 201, 'PUT', '/IdentityProvider/corp', { body });
      assertNoSecret(created, 'PUT answer');
      const expected = {
        resourceType: 'IdentityProvider',
        id: 'corp',
        title: 'Sign in with Corp',
        issuer: 'https://login.corp.example/realms/staff',
        client_id: 'portico-at-corp',
        ...DEFAULTS,
        redirect_uri: `${TEST_BASE_URL}/auth/federation/corp/callback`,
      };
      const { meta, ...shown } = created.body;
      assert.deepEqual(shown, expected);
      assert.equal(meta.versionId, '1');
      assert.equal(meta._tenant, undefined, 'the default tenant: no meta._tenant');

      const read = await expectStatus(root, 200, 'GET', '/IdentityProvider/corp');
      assertNoSecret(read, 'GET');
      assert.deepEqual({ ...read.body, meta: undefined }, { ...expected, meta: undefined });

      const list = await expectStatus(root, 200, 'GET', '/IdentityProvider');
      assertNoSecret(list, 'list');
      assert.equal(list.body.resourceType, 'Bundle');
      const listed = list.body.entry.find((e: { resource: { id: string } }) => e.resource.id === 'corp');
      assert.equal(listed?.resource.redirect_uri, expected.redirect_uri);

      for (const accept of ['text/yaml', 'application/yaml']) {
        const yamlRead = await expectStatus(root, 200, 'GET', '/IdentityProvider/corp', { accept });
        assert.match(String(yamlRead.headers['content-type']), /yaml/);
        assertNoSecret(yamlRead, `GET as ${accept}`);
        assert.equal(yamlRead.body.redirect_uri, expected.redirect_uri);
        const yamlList = await expectStatus(root, 200, 'GET', '/IdentityProvider', { accept });
        assertNoSecret(yamlList, `list as ${accept}`);
      }
      const yamlPut = await expectStatus(root, 200, 'PUT', '/IdentityProvider/corp', { body, accept: 'application/yaml' });
      assertNoSecret(yamlPut, 'PUT answered in YAML');

      // Bound to a tenant: the redirect URI is below that tenant's issuer.
      const bound = await expectStatus(root, 201, 'PUT', '/IdentityProvider/alpha-corp', { body: provider({ meta: { _tenant: 'alpha' } }) });
      assertNoSecret(bound, 'PUT of a tenant-bound one');
      assert.equal(bound.body.meta._tenant, 'alpha');
      assert.equal(bound.body.redirect_uri, `${TEST_BASE_URL}/t/alpha/auth/federation/alpha-corp/callback`);
      assert.equal((await expectStatus(root, 200, 'GET', '/IdentityProvider/alpha-corp')).body.redirect_uri, bound.body.redirect_uri);

      // redirect_uri is the server's: one in the body is accepted and ignored.
      const ignored = await expectStatus(root, 200, 'PUT', '/IdentityProvider/corp', { body: { ...body, redirect_uri: 'https://evil.example/cb' } });
      assert.equal(ignored.body.redirect_uri, expected.redirect_uri);
    });

    it('a PUT without client_secret keeps the stored one; a new one without it is refused (422 naming client_secret)', async () => {
      await expectStatus(root, 201, 'PUT', '/IdentityProvider/keeps', { body: provider({ client_secret: SECRETS.corpRotated }) });
      const { client_secret: _secret, ...withoutSecret } = provider();
      const renamed = await expectStatus(root, 200, 'PUT', '/IdentityProvider/keeps', { body: { ...withoutSecret, title: 'Renamed' } });
      assert.equal(renamed.body.title, 'Renamed');
      assert.equal(renamed.body.meta.versionId, '2');
      assertNoSecret(renamed, 'PUT without a secret');
      // client_secret_post needs the secret too: still the stored one.
      const post = await expectStatus(root, 200, 'PUT', '/IdentityProvider/keeps', { body: { ...withoutSecret, token_endpoint_auth_method: 'client_secret_post' } });
      assert.equal(post.body.token_endpoint_auth_method, 'client_secret_post');

      const fresh = await root('PUT', '/IdentityProvider/no-secret-yet', { body: withoutSecret });
      assertNames(fresh, 'IdentityProvider.client_secret', 'a new provider without client_secret');
      assert.match(fresh.text, /client_secret.*required/);
      await expectStatus(root, 404, 'GET', '/IdentityProvider/no-secret-yet');
      const posted = await root('POST', '/IdentityProvider', { body: withoutSecret });
      assertNames(posted, 'IdentityProvider.client_secret', 'POST without client_secret');
      // private_key_jwt needs none.
      const jwt = await expectStatus(root, 201, 'PUT', '/IdentityProvider/no-secret-yet', { body: { ...withoutSecret, token_endpoint_auth_method: 'private_key_jwt' } });
      assert.equal(jwt.body.token_endpoint_auth_method, 'private_key_jwt');
    });

    it('takes a YAML body and answers YAML on Accept: application/yaml, the whole mapping as given', async () => {
      const yaml = [
        'title: Staff directory',
        'issuer: https://sso.yaml.example',
        'client_id: portico-yaml',
        `client_secret: ${SECRETS.yaml}`,
        'token_endpoint_auth_method: client_secret_post',
        'scopes: [openid, email, groups]',
        'active: false',
        'mapping:',
        '  user_claim: preferred_username',
        '  fhirUser:',
        '    type: identifier',
        '    claim: employee_id',
        '    system: "urn:oid:2.16.840.1.113883.4.1"',
        '    resourceType: Practitioner',
        '  roles:',
        '    claim: groups',
        '    values:',
        '      portico-admins: admin',
        '      clinicians: practitioner',
        '  provisioning: jit',
        '',
      ].join('\n');
      const created = await expectStatus(root, 201, 'PUT', '/IdentityProvider/from-yaml', { body: yaml, contentType: 'application/yaml', accept: 'application/yaml' });
      assert.match(String(created.headers['content-type']), /^text\/yaml/);
      assertNoSecret(created, 'YAML answer');
      assert.equal(created.body.title, 'Staff directory');
      assert.equal(created.body.token_endpoint_auth_method, 'client_secret_post');
      assert.deepEqual(created.body.scopes, ['openid', 'email', 'groups']);
      assert.equal(created.body.active, false);
      assert.deepEqual(created.body.mapping, {
        user_claim: 'preferred_username',
        fhirUser: { type: 'identifier', claim: 'employee_id', system: 'urn:oid:2.16.840.1.113883.4.1', resourceType: 'Practitioner' },
        roles: { claim: 'groups', values: { 'portico-admins': 'admin', clinicians: 'practitioner' } },
        provisioning: 'jit',
      });
      assert.equal(created.body.redirect_uri, `${TEST_BASE_URL}/auth/federation/from-yaml/callback`);
      // The same, read as JSON.
      const json = await expectStatus(root, 200, 'GET', '/IdentityProvider/from-yaml');
      assert.match(String(json.headers['content-type']), /json/);
      assert.deepEqual(json.body.mapping, created.body.mapping);
      // A YAML error is YAML too, naming the field.
      const bad = await root('PUT', '/IdentityProvider/from-yaml-2', { body: yaml.replace('provisioning: jit', 'provisioning: automatic'), contentType: 'text/yaml', accept: 'application/yaml' });
      assert.match(String(bad.headers['content-type']), /^text\/yaml/);
      assertNames(bad, 'IdentityProvider.mapping.provisioning', 'YAML body with an unknown provisioning');
    });

    it('refuses an invalid provider with a 422 naming the field, storing nothing', async () => {
      // The right body first: accepted.
      await expectStatus(root, 201, 'PUT', '/IdentityProvider/valid-first', { body: provider() });
      // The test server runs in sandbox mode: http on the loopback interface is allowed, http elsewhere is not.
      assert.equal(portico.config.mode, 'sandbox');
      const loopback = await expectStatus(root, 201, 'PUT', '/IdentityProvider/local-upstream', { body: provider({ issuer: 'http://127.0.0.1:8123/realms/dev' }) });
      assert.equal(loopback.body.issuer, 'http://127.0.0.1:8123/realms/dev');

      const cases: [string, Json, string][] = [
        ['http issuer off loopback', provider({ issuer: 'http://example.org' }), 'IdentityProvider.issuer'],
        ['issuer with a query', provider({ issuer: 'https://login.corp.example/?realm=staff' }), 'IdentityProvider.issuer'],
        ['issuer with a fragment', provider({ issuer: 'https://login.corp.example/#staff' }), 'IdentityProvider.issuer'],
        ['not a URL', provider({ issuer: 'login.corp.example' }), 'IdentityProvider.issuer'],
        ['scopes without openid', provider({ scopes: ['email', 'profile'] }), 'IdentityProvider.scopes'],
        ['unknown fhirUser mapping type', provider({ mapping: { fhirUser: { type: 'ldap', claim: 'dn' } } }), 'IdentityProvider.mapping.fhirUser.type'],
        ['another provisioning', provider({ mapping: { provisioning: 'automatic' } }), 'IdentityProvider.mapping.provisioning'],
        ['private_key_jwt with a client_secret', provider({ token_endpoint_auth_method: 'private_key_jwt' }), 'IdentityProvider.client_secret'],
        ['an unknown auth method', provider({ token_endpoint_auth_method: 'tls_client_auth' }), 'IdentityProvider.token_endpoint_auth_method'],
        ['an unknown field', provider({ colour: '#ff0000' }), 'IdentityProvider'],
        ['an unknown mapping field', provider({ mapping: { provisioning: 'jit', group_claim: 'groups' } }), 'IdentityProvider.mapping'],
        ['an unknown tenant', provider({ meta: { _tenant: 'nowhere' } }), 'IdentityProvider.meta._tenant'],
        ['no title', { ...provider(), title: '' }, 'IdentityProvider.title'],
      ];
      for (const [what, body, expression] of cases) {
        const res = await root('PUT', '/IdentityProvider/refused', { body });
        assertNames(res, expression, what);
        assertNoSecretValue(res, `${what}: the 422`);
        await expectStatus(root, 404, 'GET', '/IdentityProvider/refused');
      }
      const unknown = await root('PUT', '/IdentityProvider/refused', { body: provider({ colour: '#ff0000' }) });
      assert.match(unknown.body.issue[0].diagnostics, /unknown field\(s\) colour/);
      const noTenant = await root('PUT', '/IdentityProvider/refused', { body: provider({ meta: { _tenant: 'nowhere' } }) });
      assert.match(noTenant.body.issue[0].diagnostics, /there is no tenant "nowhere"/);
    });

    it("a tenant's administrator manages its own providers, bound to it; sees nobody else's; the root client sees all", async () => {
      // The right callers first.
      const created = await expectStatus(root, 201, 'PUT', '/t/alpha/IdentityProvider/alpha-sso', { body: provider({ client_secret: SECRETS.alpha }), authorization: alphaAdmin });
      assertNoSecret(created, "the tenant administrator's PUT");
      assert.equal(created.body.meta._tenant, 'alpha', 'bound to its tenant without saying so');
      assert.equal(created.body.redirect_uri, `${TEST_BASE_URL}/t/alpha/auth/federation/alpha-sso/callback`);
      const posted = await expectStatus(root, 201, 'POST', '/t/alpha/IdentityProvider', { body: provider({ title: 'Second' }), authorization: alphaAdmin });
      const postedId = posted.body.id as string;
      assert.equal(posted.body.meta._tenant, 'alpha');
      assert.equal(posted.headers.location, `${TEST_BASE_URL}/t/alpha/IdentityProvider/${postedId}`);
      assert.equal(posted.body.redirect_uri, `${TEST_BASE_URL}/t/alpha/auth/federation/${postedId}/callback`);
      const read = await expectStatus(root, 200, 'GET', '/t/alpha/IdentityProvider/alpha-sso', { authorization: alphaAdmin });
      assertNoSecret(read, "the tenant administrator's GET");
      const changed = await expectStatus(root, 200, 'PUT', '/t/alpha/IdentityProvider/alpha-sso', { body: { ...provider(), client_secret: undefined, title: 'Alpha staff' }, authorization: alphaAdmin });
      assert.equal(changed.body.title, 'Alpha staff');
      await expectStatus(root, 200, 'DELETE', `/t/alpha/IdentityProvider/${postedId}`, { authorization: alphaAdmin });
      await expectStatus(root, 404, 'GET', `/IdentityProvider/${postedId}`);
      await expectStatus(root, 201, 'PUT', '/t/beta/IdentityProvider/beta-sso', { body: provider(), authorization: betaAdmin });
      await expectStatus(root, 201, 'PUT', '/IdentityProvider/default-sso', { body: provider() });
      await expectStatus(root, 200, 'GET', '/t/beta/IdentityProvider/beta-sso', { authorization: betaAdmin });

      // Then the refusals: beta's and the default tenant's are not there for alpha's administrator.
      for (const id of ['beta-sso', 'default-sso']) {
        await expectStatus(root, 404, 'GET', `/t/alpha/IdentityProvider/${id}`, { authorization: alphaAdmin });
        await expectStatus(root, 404, 'DELETE', `/t/alpha/IdentityProvider/${id}`, { authorization: alphaAdmin });
        await expectStatus(root, 409, 'PUT', `/t/alpha/IdentityProvider/${id}`, { body: provider(), authorization: alphaAdmin });
        const still = await expectStatus(root, 200, 'GET', `/IdentityProvider/${id}`);
        assert.equal(still.body.meta.versionId, '1', `${id} is unchanged`);
      }
      const alphaList = await expectStatus(root, 200, 'GET', '/t/alpha/IdentityProvider', { authorization: alphaAdmin });
      assertNoSecret(alphaList, "the tenant administrator's list");
      assert.deepEqual(idsOf(alphaList.body), ['alpha-corp', 'alpha-sso']);
      // Nor may it bind one to another tenant.
      const elsewhere = await root('PUT', '/t/alpha/IdentityProvider/alpha-to-beta', { body: provider({ meta: { _tenant: 'beta' } }), authorization: alphaAdmin });
      assertNames(elsewhere, 'IdentityProvider.meta._tenant', 'binding to another tenant');
      await expectStatus(root, 404, 'GET', '/IdentityProvider/alpha-to-beta');
      // Its credentials are no good at another tenant's or the deployment's admin API.
      await expectStatus(root, 401, 'GET', '/t/beta/IdentityProvider', { authorization: alphaAdmin });
      await expectStatus(root, 401, 'GET', '/IdentityProvider', { authorization: alphaAdmin });

      // The root client sees every tenant's.
      const all = await expectStatus(root, 200, 'GET', '/IdentityProvider?_count=100');
      assertNoSecret(all, "root's list");
      const ids = idsOf(all.body);
      for (const id of ['alpha-sso', 'beta-sso', 'default-sso', 'corp', 'alpha-corp']) assert.ok(ids.includes(id), `${id} in ${ids.join(', ')}`);
      assert.equal((await expectStatus(root, 200, 'GET', '/IdentityProvider/beta-sso')).body.meta._tenant, 'beta');
    });

    it('User.identities: an upstream account links to one User of a tenant (409 for a second), and may link in another tenant', async () => {
      const identity = { issuer: 'https://login.corp.example/realms/staff', subject: 'f3c1a2b0-alice' };
      const first = await expectStatus(root, 201, 'PUT', '/User/alice', { body: { email: 'alice@corp.example', identities: [identity] } });
      assert.deepEqual(first.body.identities, [identity]);
      // Saving the same User again is no conflict with itself.
      await expectStatus(root, 200, 'PUT', '/User/alice', { body: { email: 'alice@corp.example', name: 'Alice', identities: [identity] } });
      await expectStatus(root, 201, 'PUT', '/User/bob', { body: { email: 'bob@corp.example', identities: [{ ...identity, subject: 'bob' }] } });

      const second = await root('PUT', '/User/alice-again', { body: { email: 'alice2@corp.example', identities: [identity] } });
      assert.equal(second.status, 409, second.text);
      assert.deepEqual(second.body.issue[0].expression, ['User.identities']);
      assert.match(second.text, /User\/alice/);
      await expectStatus(root, 404, 'GET', '/User/alice-again');
      const changed = await root('PUT', '/User/bob', { body: { email: 'bob@corp.example', identities: [{ ...identity, subject: 'bob' }, identity] } });
      assert.equal(changed.status, 409, changed.text);

      // Another tenant's User may have the same upstream account: by the root client, or by that tenant's administrator.
      const inAlpha = await expectStatus(root, 201, 'PUT', '/User/alice-at-alpha', { body: { email: 'alice@alpha.example', identities: [identity], meta: { _tenant: 'alpha' } } });
      assert.deepEqual(inAlpha.body.identities, [identity]);
      const inBeta = await expectStatus(root, 201, 'POST', '/t/beta/User', { body: { email: 'alice@beta.example', identities: [identity] }, authorization: betaAdmin });
      assert.equal(inBeta.body.meta._tenant, 'beta');
      // …but once only there too.
      const againInBeta = await root('POST', '/t/beta/User', { body: { email: 'alice2@beta.example', identities: [identity] }, authorization: betaAdmin });
      assert.equal(againInBeta.status, 409, againInBeta.text);

      // The pair is validated.
      const invalid = await root('PUT', '/User/carol', { body: { email: 'carol@corp.example', identities: [{ issuer: 'not a url', subject: '' }] } });
      assertNames(invalid, 'User.identities[0].issuer', 'an identity without an issuer URL');
    });

    it('Tenant.password_login false needs an active IdentityProvider of that tenant (422 before, 200 after)', async () => {
      await expectStatus(root, 201, 'PUT', '/Tenant/gamma', { body: { name: 'Gamma' } });
      // Other tenants' active providers (alpha's, the default tenant's) do not count.
      const none = await root('PUT', '/Tenant/gamma', { body: { name: 'Gamma', password_login: false } });
      assertNames(none, 'Tenant.password_login', 'no provider at all');
      assert.match(none.text, /active IdentityProvider/);
      // An inactive one does not count either.
      await expectStatus(root, 201, 'PUT', '/IdentityProvider/gamma-off', { body: provider({ active: false, meta: { _tenant: 'gamma' } }) });
      assertNames(await root('PUT', '/Tenant/gamma', { body: { name: 'Gamma', password_login: false } }), 'Tenant.password_login', 'an inactive provider only');
      const still = await expectStatus(root, 200, 'GET', '/Tenant/gamma');
      assert.equal(still.body.password_login, undefined);
      assert.equal(still.body.meta.versionId, '1');
      // An active one does.
      await expectStatus(root, 201, 'PUT', '/IdentityProvider/gamma-on', { body: provider({ meta: { _tenant: 'gamma' } }) });
      const off = await expectStatus(root, 200, 'PUT', '/Tenant/gamma', { body: { name: 'Gamma', password_login: false } });
      assert.equal(off.body.password_login, false);
      assert.equal((await expectStatus(root, 200, 'GET', '/Tenant/gamma')).body.password_login, false);
      // Turning it back on needs nothing.
      await expectStatus(root, 200, 'PUT', '/Tenant/gamma', { body: { name: 'Gamma', password_login: true } });
    });

    it("refuses (409) to deactivate, move or delete the last active provider of a tenant that signs in without passwords", async () => {
      await expectStatus(root, 201, 'PUT', '/Tenant/epsilon', { body: { name: 'Epsilon' } });
      await expectStatus(root, 201, 'PUT', '/IdentityProvider/epsilon-sso', { body: provider({ meta: { _tenant: 'epsilon' } }) });
      // With passwords on, the provider may be deactivated (and is made active again).
      await expectStatus(root, 200, 'PUT', '/IdentityProvider/epsilon-sso', { body: provider({ active: false, meta: { _tenant: 'epsilon' } }) });
      await expectStatus(root, 200, 'PUT', '/IdentityProvider/epsilon-sso', { body: provider({ meta: { _tenant: 'epsilon' } }) });
      await expectStatus(root, 200, 'PUT', '/Tenant/epsilon', { body: { name: 'Epsilon', password_login: false } });
      for (const [what, attempt] of [
        ['deactivated', () => root('PUT', '/IdentityProvider/epsilon-sso', { body: provider({ active: false, meta: { _tenant: 'epsilon' } }) })],
        ['moved to another tenant', () => root('PUT', '/IdentityProvider/epsilon-sso', { body: provider({ meta: { _tenant: 'alpha' } }) })],
        ['deleted', () => root('DELETE', '/IdentityProvider/epsilon-sso')],
      ] as const) {
        const refused = await attempt();
        assert.equal(refused.status, 409, `${what}: ${refused.text}`);
        assert.match(refused.text, /last active identity provider of tenant \\?"epsilon\\?"/, what);
      }
      assert.equal((await expectStatus(root, 200, 'GET', '/IdentityProvider/epsilon-sso')).body.active, true);
      // With a second active provider, the first may go.
      await expectStatus(root, 201, 'PUT', '/IdentityProvider/epsilon-backup', { body: provider({ meta: { _tenant: 'epsilon' } }) });
      await expectStatus(root, 200, 'DELETE', '/IdentityProvider/epsilon-sso');
      await expectStatus(root, 409, 'DELETE', '/IdentityProvider/epsilon-backup');
      await expectStatus(root, 200, 'PUT', '/Tenant/epsilon', { body: { name: 'Epsilon', password_login: true } });
      await expectStatus(root, 200, 'DELETE', '/IdentityProvider/epsilon-backup');
    });

    it('DELETE /Tenant is refused (409) while the tenant holds an IdentityProvider', async () => {
      // An empty tenant is deleted.
      await expectStatus(root, 201, 'PUT', '/Tenant/empty', { body: { name: 'Empty' } });
      await expectStatus(root, 200, 'DELETE', '/Tenant/empty');
      await expectStatus(root, 201, 'PUT', '/Tenant/delta', { body: { name: 'Delta' } });
      await expectStatus(root, 201, 'PUT', '/IdentityProvider/delta-sso', { body: provider({ meta: { _tenant: 'delta' } }) });
      const refused = await expectStatus(root, 409, 'DELETE', '/Tenant/delta');
      assert.match(refused.body.issue[0].diagnostics, /1 IdentityProvider\b/);
      await expectStatus(root, 200, 'GET', '/Tenant/delta');
      // Without it, the tenant goes.
      await expectStatus(root, 200, 'DELETE', '/IdentityProvider/delta-sso');
      await expectStatus(root, 200, 'DELETE', '/Tenant/delta');
      await expectStatus(root, 404, 'GET', '/Tenant/delta');
    });

    it('records each change as an AuditEvent (created, updated, deleted) at its tenant, and never the secret', async () => {
      await expectStatus(root, 201, 'PUT', '/IdentityProvider/audited', { body: provider({ client_secret: SECRETS.corp }) });
      await expectStatus(root, 200, 'PUT', '/IdentityProvider/audited', { body: provider({ client_secret: SECRETS.corpRotated, title: 'Audited' }) });
      await expectStatus(root, 200, 'DELETE', '/IdentityProvider/audited');
      const events = await eventsAbout(portico, 'audited');
      assert.deepEqual(events.map(porticoCode), ['identity-provider-created', 'identity-provider-updated', 'identity-provider-deleted']);
      for (const event of events) {
        assert.equal(event.outcome, '0');
        assert.deepEqual(event.entity?.[0]?.what, { identifier: { system: IDENTITY_PROVIDER_ID, value: 'audited' } });
      }
      assert.equal(events[1]?.entity?.[0]?.description, 'Changed: client_secret, title', 'the update names the fields changed, not their values');
      assert.deepEqual(events.map((e) => e.action), ['C', 'U', 'D']);

      // A tenant's provider is recorded at that tenant.
      const alphaEvents = await eventsAbout(portico, 'alpha-sso', 'alpha');
      assert.deepEqual(alphaEvents.map(porticoCode), ['identity-provider-created', 'identity-provider-updated']);

      // No secret sent in this file appears in any registry event, of any tenant; nor does its sealed form.
      const stored = await portico.auth.identityProviders.get('corp');
      const sealed = String(stored?.client_secret);
      assert.ok(sealed.length > 16 && !Object.values(SECRETS).some((s) => sealed.includes(s)), 'the stored secret is sealed');
      for (const tenant of ['default', 'alpha', 'beta', 'gamma']) {
        const text = JSON.stringify(await auditEvents(portico, { type: `${DCM}|110100` }, tenant));
        assert.ok(text.includes('identity-provider'), `${tenant}: its provider events are there`);
        for (const secret of [...Object.values(SECRETS), sealed]) assert.ok(!text.includes(secret), `${tenant}: a secret appears in an AuditEvent`);
      }
    });
  });

  describe(`IdentityProvider admin API in production mode (${driver})`, () => {
    const ROOT_SECRET = 'a-production-root-secret-0123456789';
    let production: TestPortico;
    let root: Send;
    before(async () => {
      production = await startPortico(driver, {
        MODE: 'production',
        ADMIN_CLIENT_ID: 'root',
        ADMIN_CLIENT_SECRET: ROOT_SECRET,
        SECRETS_KEY: Buffer.alloc(32, 7).toString('base64url'),
        SESSION_SECRET: 'a-session-secret-of-at-least-thirty-two-chars',
      });
      root = adminHttp(production.app, { id: 'root', secret: ROOT_SECRET });
    });
    after(() => production.stop());

    it('takes an https issuer, and refuses http even on the loopback interface (422 naming issuer)', async () => {
      assert.equal(production.config.mode, 'production');
      const ok = await expectStatus(root, 201, 'PUT', '/IdentityProvider/corp', { body: provider() });
      assert.equal(ok.body.redirect_uri, `${TEST_BASE_URL}/auth/federation/corp/callback`);
      assertNoSecret(ok, 'production PUT');
      for (const issuer of ['http://127.0.0.1:8123/realms/dev', 'http://localhost:8123', 'http://example.org']) {
        const res = await root('PUT', '/IdentityProvider/plain-http', { body: provider({ issuer }) });
        assertNames(res, 'IdentityProvider.issuer', issuer);
        assert.match(res.text, /must be an https URL/);
        assert.doesNotMatch(res.text, /sandbox/, 'production does not offer the sandbox exception');
      }
      await expectStatus(root, 404, 'GET', '/IdentityProvider/plain-http');
    });

    it('never calls an upstream on a loopback or private address (SSRF): the sign-in shows a page and records why', async () => {
      for (const [id, issuer, kind] of [
        ['loop-literal', 'https://127.0.0.1:9', 'loopback'],
        ['loop-name', 'https://localhost:9', 'loopback'],
        ['private-literal', 'https://10.1.2.3', 'private'],
      ] as const) {
        await expectStatus(root, 201, 'PUT', `/IdentityProvider/${id}`, { body: provider({ issuer }) });
        const start = await production.app.inject({ method: 'GET', url: `/auth/federation/${id}/start?return_to=%2Fauth%2Fapps` });
        assert.equal(start.statusCode, 502, start.body);
        assert.match(start.body, /cannot be reached right now/);
        assert.doesNotMatch(start.body, /127\.0\.0\.1|10\.1\.2\.3|localhost/, 'the page does not tell the address');
        const failures = await auditEvents(production, { subtype: 'sign-in-failed' });
        const last = failures.at(-1);
        assert.match(last?.outcomeDesc ?? '', new RegExp(`discovery of ${issuer.replace(/[.]/g, '\\.')} failed: .*${kind} address, which is not allowed`), JSON.stringify(last));
      }
    });
  });
}
