import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config.ts';
import type { Portico } from '../../src/portico.ts';
import { adminHttp, basic, type AdminResponse } from '../auth/support/admin-http.ts';
import { drivers, startPortico, startSibling, type TestPortico } from '../support/portico.ts';

// The admin API, the RPC and RFC 7592 change a Client as the database holds it, never as another process's
// read cache remembered it. The root client is not throttled; in production its secret is long.

const SECRET = 'the-right-secret-of-a-test-client';
const FORM = 'application/x-www-form-urlencoded';

type Json = Record<string, unknown>;
interface Res {
  status: number;
  headers: Record<string, unknown>;
  body: Json;
}

const secretClient = (extra: Json = {}): Json => ({
  resourceType: 'Client',
  type: 'client',
  active: true,
  secret: SECRET,
  grant_types: ['client_credentials'],
  scope: ['system/*.rs'],
  ...extra,
});

async function request(app: Portico['app'], method: 'POST' | 'PUT' | 'GET', url: string, options: { form?: Json; json?: Json; headers?: Record<string, string> } = {}): Promise<Res> {
  const headers: Record<string, string> = { ...options.headers };
  let payload: string | undefined;
  if (options.form) {
    payload = new URLSearchParams(options.form as Record<string, string>).toString();
    headers['content-type'] = FORM;
  } else if (options.json) {
    payload = JSON.stringify(options.json);
    headers['content-type'] = 'application/json';
  }
  const res = await app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
  return { status: res.statusCode, headers: res.headers, body: (res.body ? res.json() : {}) as Json };
}

const clientCredentials = (app: Portico['app'], clientId: string, secret: string) =>
  request(app, 'POST', '/auth/token', { form: { grant_type: 'client_credentials', scope: 'system/Patient.rs' }, headers: { authorization: basic(clientId, secret) } });

/** The admin API's and /rpc's answer to wrong credentials under the limit: 401 without Retry-After. */
function assertAdminWrong(res: AdminResponse) {
  assert.equal(res.status, 401, res.text);
  assert.equal(res.headers['retry-after'], undefined);
}

describe('settings: the root client secret in production', () => {
  const production = { MODE: 'production', ADMIN_CLIENT_ID: 'root', BASE_URL: 'https://x.org', SESSION_SECRET: 's'.repeat(32), SECRETS_KEY: 'a'.repeat(64) };
  it('must be at least 32 characters: a shorter one stops the server with a message naming it, never its value', () => {
    const short = 'Short-admin-secret-of-31-chars!';
    assert.equal(short.length, 31);
    assert.throws(
      () => loadConfig({ ...production, ADMIN_CLIENT_SECRET: short }),
      (err: unknown) => {
        assert.ok(err instanceof ConfigError);
        assert.match(err.message, /ADMIN_CLIENT_SECRET .*at least 32 characters/);
        assert.ok(!err.message.includes(short), 'the value is not repeated');
        return true;
      },
    );
    assert.equal(loadConfig({ ...production, ADMIN_CLIENT_SECRET: `${short}x` }).admin.clientSecret, `${short}x`);
    // The sandbox keeps its fixed demo credentials.
    assert.equal(loadConfig({}).admin.clientSecret, 'secret');
  });
});

if (drivers.includes('postgres')) {
  describe('admin API, RPC and RFC 7592 writes read the Client from the database (postgres, two processes)', () => {
    let a: TestPortico;
    let b: Portico;
    // A's clock stands still: its Client cache (CLIENT_CACHE_MS) holds what it read for as long as the test runs.
    const clock = Date.now();
    before(async () => {
      a = await startPortico('postgres', {}, { now: () => new Date(clock) });
      b = await startSibling(a);
    });
    after(async () => {
      await b.close();
      await a.stop();
    });

    /** What a process that never read the Client sees. */
    async function freshProcess<T>(look: (app: Portico['app']) => Promise<T>): Promise<T> {
      const c = await startSibling(a);
      try {
        return await look(c.app);
      } finally {
        await c.close();
      }
    }

    it('a rotation through A after B deactivated the Client leaves it deactivated', async () => {
      const adminA = adminHttp(a.app);
      const adminB = adminHttp(b.app);
      assert.equal((await adminA('PUT', '/Client/rotated-off', { body: secretClient() })).status, 201);
      assert.equal((await clientCredentials(a.app, 'rotated-off', SECRET)).status, 200, 'A has read (and cached) the Client');
      const off = await adminB('PUT', '/Client/rotated-off', { body: { ...secretClient(), active: false, secret: undefined } });
      assert.equal(off.status, 200, off.text);
      const rotated = await adminA('POST', '/Client/rotated-off/$rotate-secret');
      assert.equal(rotated.status, 200, rotated.text);
      assert.equal(rotated.body.active, false);
      const stored = await a.authDb.query<{ active: unknown }>(`SELECT content->'active' AS active FROM auth_client WHERE id = 'rotated-off'`);
      assert.equal(stored[0]?.active, false);
      assert.equal(await freshProcess(async (app) => (await clientCredentials(app, 'rotated-off', String(rotated.body.secret))).status), 401);
    });

    it('an admin PUT without a secret through A after B rotated it keeps the new secret; the old one stays dead', async () => {
      const adminA = adminHttp(a.app);
      const adminB = adminHttp(b.app);
      const body = { ...secretClient(), secret: undefined };
      assert.equal((await adminA('PUT', '/Client/leaked', { body: { ...body, secret: 'the-leaked-secret' } })).status, 201);
      assert.equal((await clientCredentials(a.app, 'leaked', 'the-leaked-secret')).status, 200, 'A has read (and cached) the Client');
      const rotated = await adminB('POST', '/Client/leaked/$rotate-secret');
      assert.equal(rotated.status, 200, rotated.text);
      const renamed = await adminA('PUT', '/Client/leaked', { body: { ...body, name: 'renamed' } });
      assert.equal(renamed.status, 200, renamed.text);
      const [leaked, current] = await freshProcess(async (app) => [
        (await clientCredentials(app, 'leaked', 'the-leaked-secret')).status,
        (await clientCredentials(app, 'leaked', String(rotated.body.secret))).status,
      ]);
      assert.equal(current, 200);
      assert.equal(leaked, 401, 'the rotated-away secret must stay dead');
      assert.equal((await adminA('GET', '/Client/leaked')).body.name, 'renamed');
    });

    it('an RFC 7592 update through A keeps what B wrote: a rotated secret, a deactivation', async () => {
      const metadata = { client_name: 'dcr-app', redirect_uris: ['https://dcr-app.example.org/cb'], token_endpoint_auth_method: 'client_secret_basic' };
      const registered = await request(a.app, 'POST', '/auth/register', { json: metadata });
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      const id = String(registered.body.client_id);
      const issued = String(registered.body.client_secret);
      let accessToken = String(registered.body.registration_access_token);
      // Introspection authenticates the client: 200 with its secret, 401 without.
      const authenticates = async (app: Portico['app'], secret: string) =>
        (await request(app, 'POST', '/auth/introspect', { form: { token: 'not-a-token' }, headers: { authorization: basic(id, secret) } })).status;
      assert.equal(await authenticates(a.app, issued), 200, 'A has read (and cached) the Client');
      const update = async (name: string) => {
        const res = await request(a.app, 'PUT', `/auth/register/${id}`, { json: { ...metadata, client_id: id, client_name: name }, headers: { authorization: `Bearer ${accessToken}` } });
        assert.equal(res.status, 200, JSON.stringify(res.body));
        accessToken = String(res.body.registration_access_token);
      };

      const rotated = await adminHttp(b.app)('POST', `/Client/${id}/$rotate-secret`);
      assert.equal(rotated.status, 200, rotated.text);
      await update('renamed once');
      const [old, current] = await freshProcess(async (app) => [await authenticates(app, issued), await authenticates(app, String(rotated.body.secret))]);
      assert.equal(current, 200);
      assert.equal(old, 401, 'the secret B rotated away stays dead');

      assert.equal(await authenticates(a.app, String(rotated.body.secret)), 200, 'A has read (and cached) the Client again');
      const off = await adminHttp(b.app)('PUT', `/Client/${id}`, { body: { ...(await adminHttp(b.app)('GET', `/Client/${id}`)).body, active: false } });
      assert.equal(off.status, 200, off.text);
      await update('renamed twice');
      const stored = await a.authDb.query<{ active: unknown }>(`SELECT content->'active' AS active FROM auth_client WHERE id = $1`, [id]);
      assert.equal(stored[0]?.active, false, 'the deactivation made through B stands');
    });

    it('the admin API authenticates a Client as the database holds it: deactivated through B, refused by A at once', async () => {
      const adminA = adminHttp(a.app);
      assert.equal((await adminA('PUT', '/Client/policy-client', { body: secretClient() })).status, 201);
      assert.equal((await adminA('PUT', '/AccessPolicy/policy-client', { body: { resourceType: 'AccessPolicy', engine: 'allow', link: [{ resourceType: 'Client', id: 'policy-client' }] } })).status, 201);
      assert.equal((await adminA('GET', '/Client/policy-client', as('policy-client', SECRET))).status, 200, 'A has read (and cached) the Client');
      const off = await adminHttp(b.app)('PUT', '/Client/policy-client', { body: { ...secretClient(), active: false, secret: undefined } });
      assert.equal(off.status, 200, off.text);
      assertAdminWrong(await adminA('GET', '/Client/policy-client', as('policy-client', SECRET)));
      assertAdminWrong(await adminA('POST', '/rpc', { body: { method: 'no-such-method' }, ...as('policy-client', SECRET) }));
    });

    function as(id: string, secret: string) {
      return { authorization: basic(id, secret) };
    }
  });
}
