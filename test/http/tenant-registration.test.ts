import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

interface Reply {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  body: any;
  text: string;
}

const base = (tenant: string | undefined) => (tenant === undefined ? '' : `/t/${tenant}`);
const REDIRECT = 'https://registered-app.example/callback';
const BACKEND = { client_name: 'Registered app', redirect_uris: [REDIRECT], grant_types: ['authorization_code'], token_endpoint_auth_method: 'none', scope: 'openid patient/Patient.rs' };

/**
 * Dynamic client registration (RFC 7591) and its management (RFC 7592) at a tenant: what registers there is
 * bound to it, is managed there only, and an initial access token of one tenant's administrator registers
 * nothing anywhere else. Each refusal is shown beside the same request answered where it belongs.
 */
for (const driver of drivers) {
  describe(`Tenants: dynamic client registration (${driver})`, () => {
    let open: TestPortico;
    let guarded: TestPortico;

    const send = async (portico: TestPortico, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, options: { json?: unknown; form?: Record<string, string>; authorization?: string } = {}): Promise<Reply> => {
      const headers: Record<string, string> = {};
      if (options.authorization) headers.authorization = options.authorization;
      let payload: string | undefined;
      if (options.json !== undefined) {
        headers['content-type'] = 'application/json';
        payload = JSON.stringify(options.json);
      } else if (options.form) {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        payload = new URLSearchParams(options.form).toString();
      }
      const res = await portico.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
      return { status: res.statusCode, body: res.body ? JSON.parse(res.body) : undefined, text: res.body };
    };
    const setUp = async (portico: TestPortico) => {
      const root = adminHttp(portico.app);
      for (const tenant of ['acme', 'beta']) {
        assert.equal((await root('PUT', `/Tenant/${tenant}`, { body: { name: tenant } })).status, 201);
        const admin = { email: `admin@${tenant}.example`, password: `${tenant}-admin-password`, roles: ['admin'], meta: { _tenant: tenant } };
        assert.equal((await root('PUT', `/User/${tenant}-admin`, { body: admin })).status, 201);
      }
    };

    before(async () => {
      open = await startPortico(driver, { REGISTRATION_MODE: 'open' });
      guarded = await startPortico(driver, { REGISTRATION_MODE: 'initial-access-token' });
      await setUp(open);
      await setUp(guarded);
    });
    after(async () => {
      await open?.stop();
      await guarded?.stop();
    });

    it('binds what registers at a tenant to it: its authorize endpoint knows the client, no other does', async () => {
      const registered = await send(open, 'POST', '/t/acme/auth/register', { json: BACKEND });
      assert.equal(registered.status, 201, registered.text);
      const id = String(registered.body.client_id);
      assert.equal(registered.body.registration_client_uri, `${TEST_BASE_URL}/t/acme/auth/register/${id}`);
      const stored = await adminHttp(open.app)('GET', `/Client/${id}`);
      assert.equal(stored.body.meta._tenant, 'acme', stored.text);
      const authorize = (tenant: string | undefined) =>
        open.app.inject({
          method: 'GET',
          url: `${base(tenant)}/auth/authorize?${new URLSearchParams({
            response_type: 'code',
            client_id: id,
            redirect_uri: REDIRECT,
            scope: 'openid patient/Patient.rs',
            state: 's',
            aud: `${TEST_BASE_URL}${base(tenant)}/fhir`,
            code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
            code_challenge_method: 'S256',
          }).toString()}`,
        });
      const known = await authorize('acme');
      assert.equal(known.statusCode, 303, known.body);
      assert.match(String(known.headers.location), /^\/t\/acme\/auth\/login\?/);
      for (const tenant of ['beta', undefined]) {
        const unknown = await authorize(tenant);
        assert.equal(unknown.statusCode, 400, `${tenant ?? 'default'}: ${unknown.body}`);
        assert.equal(unknown.headers.location, undefined);
      }
    });

    it("manages a tenant's registration at its endpoint only, and a global one at the root only", async () => {
      const atAcme = await send(open, 'POST', '/t/acme/auth/register', { json: BACKEND });
      assert.equal(atAcme.status, 201, atAcme.text);
      const acmeId = String(atAcme.body.client_id);
      let acmeToken = `Bearer ${String(atAcme.body.registration_access_token)}`;
      for (const url of [`/t/beta/auth/register/${acmeId}`, `/auth/register/${acmeId}`, `/oauth/register/${acmeId}`]) {
        const refused = await send(open, 'GET', url, { authorization: acmeToken });
        assert.equal(refused.status, 401, `${url}: ${refused.text}`);
        assert.equal((await send(open, 'DELETE', url, { authorization: acmeToken })).status, 401, url);
      }
      // Refused elsewhere, the token was neither used up nor rotated: the tenant's own endpoint takes it.
      const read = await send(open, 'GET', `/t/acme/auth/register/${acmeId}`, { authorization: acmeToken });
      assert.equal(read.status, 200, read.text);
      acmeToken = `Bearer ${String(read.body.registration_access_token)}`;

      const atRoot = await send(open, 'POST', '/auth/register', { json: BACKEND });
      assert.equal(atRoot.status, 201, atRoot.text);
      const rootId = String(atRoot.body.client_id);
      const rootToken = `Bearer ${String(atRoot.body.registration_access_token)}`;
      assert.equal((await adminHttp(open.app)('GET', `/Client/${rootId}`)).body.meta?._tenant, undefined, 'the root registers global Clients');
      assert.equal((await send(open, 'GET', `/t/acme/auth/register/${rootId}`, { authorization: rootToken })).status, 401);
      assert.equal((await send(open, 'GET', `/auth/register/${rootId}`, { authorization: rootToken })).status, 200);
      assert.equal((await send(open, 'DELETE', `/t/acme/auth/register/${acmeId}`, { authorization: acmeToken })).status, 204);
    });

    it("takes an initial access token of a tenant's administrator there only; the root's everywhere", async () => {
      const issue = (tenant: string | undefined, authorization: string) => send(guarded, 'POST', `${base(tenant)}/auth/initial-access-token`, { authorization });
      const acmeAdmin = basic('admin@acme.example', 'acme-admin-password');
      // Another tenant's administrator cannot even ask for one here.
      assert.equal((await issue('beta', acmeAdmin)).status, 401);
      assert.equal((await issue(undefined, acmeAdmin)).status, 401);
      const register = (tenant: string | undefined, token: string) => send(guarded, 'POST', `${base(tenant)}/auth/register`, { json: BACKEND, authorization: `Bearer ${token}` });

      const fromAcme = await issue('acme', acmeAdmin);
      assert.equal(fromAcme.status, 201, fromAcme.text);
      for (const tenant of ['beta', undefined]) {
        const refused = await register(tenant, String(fromAcme.body.token));
        assert.equal(refused.status, 401, `${tenant ?? 'default'}: ${refused.text}`);
        assert.equal(refused.body.error, 'invalid_token');
      }
      const registered = await register('acme', String(fromAcme.body.token));
      assert.equal(registered.status, 201, registered.text);
      const stored = await adminHttp(guarded.app)('GET', `/Client/${String(registered.body.client_id)}`);
      assert.equal(stored.body.owner, 'User/acme-admin');
      assert.equal(stored.body.meta._tenant, 'acme');

      const fromRoot = await issue(undefined, basic('root', 'secret'));
      assert.equal(fromRoot.status, 201, fromRoot.text);
      assert.equal((await register('beta', String(fromRoot.body.token))).status, 201);
    });
  });
}
