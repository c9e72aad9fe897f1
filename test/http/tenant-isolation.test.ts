import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { decodeJwt, exportJWK, generateKeyPair, SignJWT } from 'jose';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { ROOT_AUTHORIZATION } from '../support/fhir-client.ts';
import { drivers, startPortico, startSibling, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const base = (tenant: string | undefined) => (tenant === undefined ? '' : `/t/${tenant}`);

interface Reply {
  status: number;
  headers: Record<string, unknown>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  body: any;
  text: string;
}

/**
 * Tenants acme and beta beside the default tenant: the same ids in each, clients and policies bound to one of them
 * or global. Every probe first shows the request answered for the tenant it belongs to.
 */
for (const driver of drivers) {
  describe(`Tenants: nothing crosses between them (${driver})`, () => {
    let portico: TestPortico;
    let admin: ReturnType<typeof adminHttp>;
    let keys: { jwk: Record<string, unknown>; sign: (clientId: string, audience: string) => Promise<string> };

    const send = async (app: TestPortico['app'], method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, options: { body?: unknown; form?: Record<string, string>; authorization?: string } = {}): Promise<Reply> => {
      const headers: Record<string, string> = { accept: 'application/fhir+json, application/json' };
      if (options.authorization) headers.authorization = options.authorization;
      let payload: string | undefined;
      if (options.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        payload = new URLSearchParams(options.form).toString();
      } else if (options.body !== undefined) {
        headers['content-type'] = 'application/fhir+json';
        payload = JSON.stringify(options.body);
      }
      const res = await app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
      return { status: res.statusCode, headers: res.headers, body: res.body ? JSON.parse(res.body) : undefined, text: res.body };
    };
    const fhir = (tenant: string | undefined, method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, authorization = ROOT_AUTHORIZATION, body?: unknown) =>
      send(portico.app, method, `${base(tenant)}/fhir/${path}`, { authorization, ...(body !== undefined ? { body } : {}) });
    const token = (tenant: string | undefined, clientId: string, secret: string, scope = 'system/*.rs') =>
      send(portico.app, 'POST', `${base(tenant)}/auth/token`, { form: { grant_type: 'client_credentials', scope }, authorization: basic(clientId, secret) });
    const bearer = async (tenant: string | undefined, clientId: string, secret: string) => {
      const res = await token(tenant, clientId, secret);
      assert.equal(res.status, 200, `token for ${clientId} at ${tenant ?? 'default'}: ${res.text}`);
      return `Bearer ${res.body.access_token as string}`;
    };
    const ids = (res: Reply) => {
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.resourceType, 'Bundle', res.text);
      return (res.body.entry ?? []).map((e: { resource: { resourceType: string; id: string; name?: { family: string }[] } }) => `${e.resource.resourceType}/${e.resource.id}:${e.resource.name?.[0]?.family ?? ''}`).sort();
    };

    before(async () => {
      portico = await startPortico(driver);
      admin = adminHttp(portico.app);
      const { privateKey, publicKey } = await generateKeyPair('ES384', { extractable: true });
      keys = {
        jwk: { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES384', use: 'sig' },
        sign: (clientId, audience) =>
          new SignJWT({ jti: randomUUID() }).setProtectedHeader({ alg: 'ES384', kid: 'k1', typ: 'JWT' }).setIssuer(clientId).setSubject(clientId).setAudience(audience).setIssuedAt().setExpirationTime('4m').sign(privateKey),
      };
      for (const tenant of ['acme', 'beta']) assert.equal((await admin('PUT', `/Tenant/${tenant}`, { body: { name: tenant.toUpperCase() } })).status, 201);
      const client = (tenant?: string) => ({ secret: `secret-of-${tenant ?? 'global'}-app`, grant_types: ['client_credentials'], scope: ['system/*.rs'], ...(tenant ? { meta: { _tenant: tenant } } : {}) });
      for (const [id, body] of [['acme-app', client('acme')], ['beta-app', client('beta')], ['global-app', client()], ['default-app', client('default')]] as const) {
        assert.equal((await admin('PUT', `/Client/${id}`, { body })).status, 201);
      }
      assert.equal((await admin('PUT', '/Client/global-jwt-app', { body: {
        type: 'bulk-api-client', grant_types: ['client_credentials'], scope: ['system/*.rs'], jwks: { keys: [keys.jwk] },
        auth: { client_credentials: { client_assertion_types: [JWT_BEARER], access_token_expiration: 300, token_format: 'jwt' } },
      } })).status, 201);
      // acme-app and default-app by policies of their tenants; global-app by a policy of beta only.
      for (const [id, tenant, clientId] of [['acme-allow', 'acme', 'acme-app'], ['beta-allow', 'beta', 'beta-app'], ['beta-allows-global', 'beta', 'global-app'], ['default-allow', 'default', 'default-app'], ['jwt-allow', undefined, 'global-jwt-app']] as const) {
        const policy = { engine: 'allow', link: [{ resourceType: 'Client', id: clientId }], ...(tenant ? { meta: { _tenant: tenant } } : {}) };
        assert.equal((await admin('PUT', `/AccessPolicy/${id}`, { body: policy })).status, 201);
      }
      // The same ids in three tenants, each with its own name.
      for (const [tenant, family] of [[undefined, 'Default'], ['acme', 'Acme'], ['beta', 'Beta']] as const) {
        for (const resource of [
          { resourceType: 'Patient', id: 'p1', name: [{ family }] },
          { resourceType: 'Observation', id: 'o1', status: 'final', code: { text: family }, subject: { reference: 'Patient/p1' } },
          { resourceType: 'Provenance', id: 'v1', target: [{ reference: 'Observation/o1' }], recorded: '2026-01-01T00:00:00Z', agent: [{ who: { display: family } }] },
        ]) {
          const res = await fhir(tenant, 'PUT', `${resource.resourceType}/${resource.id}`, ROOT_AUTHORIZATION, resource);
          assert.equal(res.status, 201, res.text);
        }
      }
      // Only in beta.
      assert.equal((await fhir('beta', 'PUT', 'Patient/only-beta', ROOT_AUTHORIZATION, { resourceType: 'Patient', id: 'only-beta', name: [{ family: 'Beta' }] })).status, 201);
      const betaObservation = { resourceType: 'Observation', id: 'ob-beta', status: 'final', code: { coding: [{ system: 'http://example.org', code: 'beta-code' }] }, subject: { reference: 'Patient/only-beta' } };
      assert.equal((await fhir('beta', 'PUT', 'Observation/ob-beta', ROOT_AUTHORIZATION, betaObservation)).status, 201);
    });
    after(() => portico.stop());

    it("publishes each tenant's own issuer, endpoints and FHIR base", async () => {
      for (const path of ['/.well-known/smart-configuration', '/fhir/.well-known/smart-configuration', '/.well-known/openid-configuration']) {
        const res = await send(portico.app, 'GET', `/t/acme${path}`);
        assert.equal(res.status, 200, `${path}: ${res.text}`);
        assert.equal(res.body.token_endpoint, `${TEST_BASE_URL}/t/acme/auth/token`);
        assert.equal(res.body.issuer, `${TEST_BASE_URL}/t/acme`);
      }
      const metadata = await send(portico.app, 'GET', '/t/acme/fhir/metadata');
      assert.equal(metadata.status, 200, metadata.text);
      assert.equal(metadata.body.implementation.url, `${TEST_BASE_URL}/t/acme/fhir`);
      const root = await send(portico.app, 'GET', '/.well-known/smart-configuration');
      assert.equal(root.body.token_endpoint, `${TEST_BASE_URL}/auth/token`);
    });

    it('keeps the same id apart in every tenant: reads, searches, includes and history see their own tenant only', async () => {
      for (const [tenant, family] of [[undefined, 'Default'], ['acme', 'Acme'], ['beta', 'Beta']] as const) {
        const read = await fhir(tenant, 'GET', 'Patient/p1');
        assert.equal(read.status, 200, read.text);
        assert.equal(read.body.name[0].family, family);
        assert.deepEqual(ids(await fhir(tenant, 'GET', 'Patient')), tenant === 'beta' ? ['Patient/only-beta:Beta', 'Patient/p1:Beta'] : [`Patient/p1:${family}`]);
        assert.deepEqual(ids(await fhir(tenant, 'GET', 'Observation?_id=o1&_include=Observation:subject&_revinclude=Provenance:target')), ['Observation/o1:', `Patient/p1:${family}`, 'Provenance/v1:']);
        const history = await fhir(tenant, 'GET', '_history');
        assert.equal(history.status, 200, history.text);
        assert.equal(history.body.entry.length, tenant === 'beta' ? 5 : 3, history.text);
        assert.equal((await fhir(tenant, 'GET', 'Patient/p1/_history/1')).body.name[0].family, family);
      }
      // Beta's own patient is as unknown elsewhere as an id never used: reads, searches, chains and reverse chains.
      const probes = ['Patient?_id=only-beta', 'Observation?subject:Patient.family=Beta', 'Observation?subject=Patient/only-beta', 'Patient?_has:Observation:subject:subject=Patient/only-beta', 'Patient?_has:Observation:subject:_id=ob-beta'];
      assert.equal((await fhir('beta', 'GET', 'Patient/only-beta')).status, 200);
      for (const probe of probes) assert.notDeepEqual(ids(await fhir('beta', 'GET', probe)), [], `${probe} at beta`);
      for (const tenant of [undefined, 'acme']) {
        assert.equal((await fhir(tenant, 'GET', 'Patient/only-beta')).status, 404);
        for (const probe of probes) assert.deepEqual(ids(await fhir(tenant, 'GET', probe)), [], `${probe} at ${tenant ?? 'default'}`);
      }
    });

    it("resolves a transaction's conditional references and a conditional create within its tenant", async () => {
      const bundle = {
        resourceType: 'Bundle', type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:obs', resource: { resourceType: 'Observation', status: 'final', code: { text: 'conditional' }, subject: { reference: 'Patient?family=Beta' } }, request: { method: 'POST', url: 'Observation' } },
        ],
      };
      const inBeta = await fhir('beta', 'POST', '', ROOT_AUTHORIZATION, bundle);
      assert.equal(inBeta.status, 412, `two Beta patients in beta: the reference is ambiguous (${inBeta.text})`);
      const inAcme = await fhir('acme', 'POST', '', ROOT_AUTHORIZATION, bundle);
      assert.ok(inAcme.status >= 400 && inAcme.status < 500, `no Beta patient in acme: ${inAcme.text}`);
      const created = await send(portico.app, 'POST', '/t/acme/fhir/Patient', { authorization: ROOT_AUTHORIZATION, body: { resourceType: 'Patient', name: [{ family: 'Beta' }] } });
      assert.equal(created.status, 201, created.text);
      const again = await portico.app.inject({ method: 'POST', url: '/t/acme/fhir/Patient', headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/fhir+json', 'if-none-exist': '_id=only-beta' }, payload: JSON.stringify({ resourceType: 'Patient', name: [{ family: 'Acme' }] }) });
      assert.equal(again.statusCode, 201, `only-beta is not acme's, so the conditional create creates: ${again.body}`);
      for (const id of [created.body.id, JSON.parse(again.body).id]) assert.equal((await fhir('acme', 'DELETE', `Patient/${id}`)).status, 204);
    });

    it("issues a tenant's tokens with its issuer and FHIR base, good there and nowhere else", async () => {
      const acme = await token('acme', 'acme-app', 'secret-of-acme-app');
      assert.equal(acme.status, 200, acme.text);
      const claims = decodeJwt(acme.body.access_token);
      assert.equal(claims.iss, `${TEST_BASE_URL}/t/acme`);
      assert.equal(claims.aud, `${TEST_BASE_URL}/t/acme/fhir`);
      const acmeToken = `Bearer ${acme.body.access_token as string}`;
      assert.equal((await fhir('acme', 'GET', 'Patient/p1', acmeToken)).body.name[0].family, 'Acme');
      for (const tenant of [undefined, 'beta']) {
        const elsewhere = await fhir(tenant, 'GET', 'Patient/p1', acmeToken);
        assert.equal(elsewhere.status, 401, elsewhere.text);
        assert.match(String(elsewhere.headers['www-authenticate']), /invalid_token/);
      }
      // Introspection: active at its issuer, inactive at any other.
      const introspect = (tenant: string | undefined) => send(portico.app, 'POST', `${base(tenant)}/auth/introspect`, { form: { token: acme.body.access_token }, authorization: ROOT_AUTHORIZATION });
      assert.equal((await introspect('acme')).body.active, true);
      for (const tenant of [undefined, 'beta']) assert.equal((await introspect(tenant)).body.active, false);
      // And the default tenant's tokens stay at the root URLs.
      const defaultToken = await bearer(undefined, 'default-app', 'secret-of-default-app');
      assert.equal((await fhir(undefined, 'GET', 'Patient/p1', defaultToken)).body.name[0].family, 'Default');
      assert.equal((await fhir('acme', 'GET', 'Patient/p1', defaultToken)).status, 401);
    });

    it('knows a tenant-bound client at its tenant only; a global client everywhere, with the policies of the tenant it calls', async () => {
      for (const [clientId, home] of [['acme-app', 'acme'], ['beta-app', 'beta'], ['default-app', undefined]] as const) {
        const secret = `secret-of-${home ?? 'default'}-app`;
        assert.equal((await token(home, clientId, secret)).status, 200);
        for (const other of [undefined, 'acme', 'beta'].filter((t) => t !== home)) {
          const refused = await token(other, clientId, secret);
          assert.equal(refused.status, 401, `${clientId} at ${other ?? 'default'}: ${refused.text}`);
          assert.equal(refused.body.error, 'invalid_client');
        }
      }
      // global-app is allowed by a policy of beta only: its token reads beta's data, and no other tenant's.
      const atBeta = await bearer('beta', 'global-app', 'secret-of-global-app');
      assert.equal((await fhir('beta', 'GET', 'Patient/p1', atBeta)).status, 200);
      const atAcme = await bearer('acme', 'global-app', 'secret-of-global-app');
      const refused = await fhir('acme', 'GET', 'Patient/p1', atAcme);
      assert.equal(refused.status, 403, refused.text);
    });

    it("gives a tenant's Clients and policies nothing on the admin API, which spans every tenant", async () => {
      // A global Client under a global allow policy may call the admin API (an AccessPolicy's allow engine)…
      assert.equal((await admin('PUT', '/Client/global-admin-app', { body: { secret: 'secret-of-global-admin-app', grant_types: ['client_credentials'], scope: ['system/*.rs'] } })).status, 201);
      assert.equal((await admin('PUT', '/AccessPolicy/global-admin-allow', { body: { engine: 'allow', link: [{ resourceType: 'Client', id: 'global-admin-app' }] } })).status, 201);
      const allowed = await admin('GET', '/Client/acme-app', { authorization: basic('global-admin-app', 'secret-of-global-admin-app') });
      assert.equal(allowed.status, 200, allowed.text);
      // …but a Client bound to acme is unknown there, and a policy of beta grants a global Client nothing there.
      assert.equal((await admin('GET', '/Client/acme-app', { authorization: basic('acme-app', 'secret-of-acme-app') })).status, 401);
      assert.equal((await admin('GET', '/Client/acme-app', { authorization: basic('global-app', 'secret-of-global-app') })).status, 403);
      assert.equal((await admin('PUT', '/Tenant/acme', { body: { name: 'taken' }, authorization: basic('acme-app', 'secret-of-acme-app') })).status, 401);
      assert.equal((await admin('GET', '/Tenant/acme')).body.name, 'ACME');
      for (const id of ['global-admin-allow']) assert.equal((await admin('DELETE', `/AccessPolicy/${id}`)).status, 200);
      assert.equal((await admin('DELETE', '/Client/global-admin-app')).status, 200);
    });

    it("takes a client assertion addressed to the tenant's own token endpoint only", async () => {
      const at = (tenant: string | undefined, audienceTenant: string | undefined) =>
        keys.sign('global-jwt-app', `${TEST_BASE_URL}${base(audienceTenant)}/auth/token`).then((assertion) =>
          send(portico.app, 'POST', `${base(tenant)}/auth/token`, { form: { grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: JWT_BEARER, client_assertion: assertion } }));
      assert.equal((await at('acme', 'acme')).status, 200);
      assert.equal((await at(undefined, undefined)).status, 200);
      for (const [tenant, audience] of [['acme', 'beta'], ['acme', undefined], [undefined, 'acme']] as const) {
        const refused = await at(tenant, audience);
        assert.equal(refused.status, 401, `at ${tenant ?? 'default'} for ${audience ?? 'default'}: ${refused.text}`);
        assert.equal(refused.body.error, 'invalid_client');
      }
    });

    it("advertises every grant type at a tenant, with its own authorization endpoint; a code of another issuer is unknown there", async () => {
      const smart = await send(portico.app, 'GET', '/t/acme/.well-known/smart-configuration');
      assert.deepEqual([...smart.body.grant_types_supported].sort(), ['authorization_code', 'client_credentials', 'refresh_token']);
      assert.equal(smart.body.authorization_endpoint, `${TEST_BASE_URL}/t/acme/auth/authorize`);
      assert.equal(smart.body.management_endpoint, `${TEST_BASE_URL}/t/acme/auth/apps`);
      const forms: Record<string, string>[] = [{ grant_type: 'authorization_code', code: 'x', redirect_uri: 'https://app.example/cb' }, { grant_type: 'refresh_token', refresh_token: 'x' }];
      for (const form of forms) {
        const refused = await send(portico.app, 'POST', '/t/acme/auth/token', { form, authorization: basic('acme-app', 'secret-of-acme-app') });
        assert.equal(refused.status, 400, refused.text);
        assert.ok(['invalid_grant', 'unauthorized_client'].includes(refused.body.error), refused.text);
      }
    });

    it('answers 404 for a tenant that does not exist, is inactive, or is the default one under /t/', async () => {
      assert.equal((await fhir('acme', 'GET', 'metadata')).status, 200);
      for (const url of ['/t/nope/fhir/metadata', '/t/default/fhir/metadata', '/t/Acme/fhir/metadata', '/t//fhir/metadata', '/t/acme%2f..%2fbeta/fhir/metadata']) {
        const unknown = await send(portico.app, 'GET', url);
        assert.equal(unknown.status, 404, url);
        // In the protocol's own shape: FHIR and the admin API answer OperationOutcomes, the OAuth side JSON errors.
        assert.equal(unknown.body.resourceType, 'OperationOutcome', unknown.text);
      }
      const admin404 = await send(portico.app, 'GET', '/t/nope/Client/x', { authorization: ROOT_AUTHORIZATION });
      assert.equal(admin404.status, 404);
      assert.equal(admin404.body.resourceType, 'OperationOutcome', admin404.text);
      const oauth404 = await send(portico.app, 'POST', '/t/nope/auth/token', { form: { grant_type: 'client_credentials' } });
      assert.equal(oauth404.status, 404);
      assert.equal(oauth404.body.error, 'not_found', oauth404.text);
      assert.equal((await admin('PUT', '/Tenant/acme', { body: { name: 'ACME', active: false } })).status, 200);
      assert.equal((await fhir('acme', 'GET', 'Patient/p1')).status, 404);
      assert.equal((await token('acme', 'acme-app', 'secret-of-acme-app')).status, 404);
      assert.equal((await admin('PUT', '/Tenant/acme', { body: { name: 'ACME', active: true } })).status, 200);
      assert.equal((await fhir('acme', 'GET', 'Patient/p1')).status, 200);
    });

    it('counts FHIR resources among what keeps a tenant from being deleted', async () => {
      const refused = await admin('DELETE', '/Tenant/beta');
      assert.equal(refused.status, 409, refused.text);
      assert.match(refused.body.issue[0].diagnostics, /\d+ FHIR resources/);
    });

    if (driver === 'postgres') {
      it("is the same in another process on the database: a tenant's token from one works at the other, for its tenant only", async () => {
        const sibling = await startSibling(portico);
        try {
          const acmeToken = await bearer('acme', 'acme-app', 'secret-of-acme-app');
          const read = await send(sibling.app as TestPortico['app'], 'GET', '/t/acme/fhir/Patient/p1', { authorization: acmeToken });
          assert.equal(read.status, 200, read.text);
          assert.equal(read.body.name[0].family, 'Acme');
          assert.equal((await send(sibling.app as TestPortico['app'], 'GET', '/t/beta/fhir/Patient/p1', { authorization: acmeToken })).status, 401);
          assert.equal((await send(sibling.app as TestPortico['app'], 'GET', '/fhir/Patient/p1', { authorization: acmeToken })).status, 401);
        } finally {
          await sibling.close();
        }
      });
    }
  });
}
