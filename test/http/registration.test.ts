import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

// Seed 001 (Kodjin developer onboarding): the registration example and the curl example, verbatim.
const SEED_001_BODY = `{
    "redirect_uris": ["https://client.example.com/callback"],
    "client_name": "My Application",
    "logo_uri": "https://client.example.org/logo.png",
    "token_endpoint_auth_method": "client_secret_basic",
    "contacts": ["admin@client.example.org"]
    }`;
const SEED_001_CURL_BODY = `{
        "client_name": "my-app"
    }`;
// Seed 003 (S4S SMART Example Server).
const SEED_003_BODY =
  '{"client_name": "TESTCLIENT", "redirect_uris": ["https://tests.demo.syncfor.science/authorized/"], "scope": "launch/patient patient/*.read offline_access"}';

const ROOT_BASIC = `Basic ${Buffer.from('root:secret').toString('base64')}`;
// Production requires a root client secret of at least 32 characters.
const PRODUCTION_ROOT_SECRET = 'a-production-root-secret-0123456789';
const PRODUCTION_ROOT_BASIC = `Basic ${Buffer.from(`root:${PRODUCTION_ROOT_SECRET}`).toString('base64')}`;

type Json = Record<string, unknown>;

function registrar(portico: TestPortico, rootBasic = ROOT_BASIC) {
  const send = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, options: { body?: string | Json; token?: string; headers?: Json } = {}) => {
    const headers: Record<string, string> = { ...(options.headers as Record<string, string>) };
    if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
    let payload: string | undefined;
    if (options.body !== undefined) {
      payload = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
      headers['content-type'] ??= 'application/json';
    }
    const res = await portico.app.inject({ method, url, headers, ...(payload !== undefined ? { payload } : {}) });
    return { status: res.statusCode, headers: res.headers, body: (res.body ? res.json() : undefined) as Json };
  };
  return {
    send,
    register: (body: string | Json, token?: string, path = '/auth/register') => send('POST', path, { body, ...(token ? { token } : {}) }),
    adminClient: async (id: string) => {
      const res = await portico.app.inject({ method: 'GET', url: `/Client/${id}`, headers: { authorization: rootBasic } });
      return { status: res.statusCode, body: res.json<Json>() };
    },
  };
}

function assertOAuthError(res: { status: number; body: Json; headers: Json }, status: number, error: string, description?: RegExp) {
  assert.equal(res.status, status, JSON.stringify(res.body));
  assert.equal(res.body.error, error);
  assert.equal(typeof res.body.error_description, 'string');
  if (description) assert.match(String(res.body.error_description), description);
  assert.equal(res.headers['cache-control'], 'no-store');
}

const path = (uri: unknown) => new URL(String(uri)).pathname;

for (const driver of drivers) {
  describe(`dynamic client registration, open mode (${driver})`, () => {
    let portico: TestPortico;
    let dcr: ReturnType<typeof registrar>;
    before(async () => {
      portico = await startPortico(driver);
      dcr = registrar(portico);
    });
    after(() => portico.stop());

    it("registers seed 001's request as a confidential client, visible in the admin API", async () => {
      const res = await dcr.register(SEED_001_BODY);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.match(String(res.headers['content-type']), /^application\/json/);
      const b = res.body;
      assert.match(String(b.client_id), /^[0-9a-f-]{36}$/);
      assert.equal(typeof b.client_secret, 'string');
      assert.ok(String(b.client_secret).length >= 32);
      assert.equal(b.client_secret_expires_at, 0);
      assert.equal(typeof b.client_id_issued_at, 'number');
      assert.ok(Math.abs(Number(b.client_id_issued_at) - Date.now() / 1000) < 600);
      assert.equal(b.registration_client_uri, `${TEST_BASE_URL}/auth/register/${b.client_id}`);
      assert.equal(typeof b.registration_access_token, 'string');
      assert.deepEqual(b.redirect_uris, ['https://client.example.com/callback']);
      assert.equal(b.client_name, 'My Application');
      assert.equal(b.logo_uri, 'https://client.example.org/logo.png');
      assert.deepEqual(b.contacts, ['admin@client.example.org']);
      assert.equal(b.token_endpoint_auth_method, 'client_secret_basic');
      assert.deepEqual(b.grant_types, ['authorization_code', 'refresh_token']);
      assert.deepEqual(b.response_types, ['code']);
      assert.match(String(b.scope), /(^| )launch\/patient( |$)/);

      const admin = await dcr.adminClient(String(b.client_id));
      assert.equal(admin.status, 200);
      const client = admin.body as { secret?: string; type?: string; grant_types?: string[]; name?: string; auth?: Json; registration?: Json; details?: Json };
      assert.equal(client.secret, b.client_secret);
      assert.equal(client.name, 'My Application');
      assert.deepEqual(client.grant_types, ['authorization_code', 'refresh_token']);
      assert.equal((client.auth?.authorization_code as Json).redirect_uri, 'https://client.example.com/callback');
      assert.deepEqual(client.registration?.redirect_uris, ['https://client.example.com/callback']);
      assert.equal(client.details?.['logo-uri'], 'https://client.example.org/logo.png');
      // The registration access token is stored hashed: nowhere in the Client.
      assert.doesNotMatch(JSON.stringify(admin.body), new RegExp(String(b.registration_access_token)));
    });

    it("registers seed 003's request at the S4S path with its scope", async () => {
      const res = await dcr.register(SEED_003_BODY, undefined, '/oauth/register');
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(res.body.client_name, 'TESTCLIENT');
      assert.deepEqual(res.body.redirect_uris, ['https://tests.demo.syncfor.science/authorized/']);
      assert.equal(res.body.scope, 'launch/patient patient/*.read offline_access');
      assert.equal(typeof res.body.client_secret, 'string');
      assert.equal(res.body.client_secret_expires_at, 0);
      assert.equal((await dcr.adminClient(String(res.body.client_id))).status, 200);
    });

    it("registers seed 001's curl body", async () => {
      const res = await dcr.register(SEED_001_CURL_BODY);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      const b = res.body;
      assert.deepEqual(b.redirect_uris, []);
      assert.equal(b.token_endpoint_auth_method, 'client_secret_basic');
      assert.deepEqual(b.grant_types, ['authorization_code', 'refresh_token']);
      assert.deepEqual(b.response_types, ['code']);
      assert.match(String(b.client_id), /^[0-9a-f-]{36}$/);
      assert.equal(typeof b.client_secret, 'string');
      assert.ok(String(b.client_secret).length >= 32);
      assert.equal(b.client_name, 'my-app');
      assert.match(String(b.scope), /(^| )patient\/\*\.read( |$)/);
      assert.equal(typeof b.client_id_issued_at, 'number');
      assert.equal(b.client_secret_expires_at, 0);
      assert.equal(b.registration_client_uri, `${TEST_BASE_URL}/auth/register/${b.client_id}`);
      assert.equal(typeof b.registration_access_token, 'string');

      const client = (await dcr.adminClient(String(b.client_id))).body as { secret?: string; grant_types?: string[]; auth?: { authorization_code?: Json } };
      assert.equal(client.secret, b.client_secret);
      assert.deepEqual(client.grant_types, ['authorization_code', 'refresh_token']);
      assert.equal(client.auth?.authorization_code?.redirect_uri, undefined);

      // A redirect URI can be added later (RFC 7592 update).
      const updated = await dcr.send('PUT', path(b.registration_client_uri), {
        token: String(b.registration_access_token),
        body: { client_id: b.client_id, client_name: 'my-app', redirect_uris: ['https://my-app.example/cb'] },
      });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      assert.deepEqual(updated.body.redirect_uris, ['https://my-app.example/cb']);
      const after = (await dcr.adminClient(String(b.client_id))).body as { auth?: { authorization_code?: Json } };
      assert.equal(after.auth?.authorization_code?.redirect_uri, 'https://my-app.example/cb');
    });

    it('accepts an authorization_code client with an empty redirect_uris, public or confidential', async () => {
      for (const method of ['none', 'client_secret_post']) {
        const res = await dcr.register({ client_name: 'no-redirect', redirect_uris: [], grant_types: ['authorization_code'], token_endpoint_auth_method: method });
        assert.equal(res.status, 201, JSON.stringify(res.body));
        assert.deepEqual(res.body.redirect_uris, []);
        assert.deepEqual(res.body.grant_types, ['authorization_code']);
        assert.deepEqual(res.body.response_types, ['code']);
      }
    });

    it('registers public, private_key_jwt and backend clients with the matching Client', async () => {
      const pub = await dcr.register({ redirect_uris: ['http://localhost:3000/cb'], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'] });
      assert.equal(pub.status, 201, JSON.stringify(pub.body));
      assert.equal(pub.body.client_secret, undefined);
      assert.equal(pub.body.client_secret_expires_at, undefined);
      const pubClient = (await dcr.adminClient(String(pub.body.client_id))).body as { secret?: string; auth?: { authorization_code?: Json } };
      assert.equal(pubClient.secret, undefined);
      assert.equal(pubClient.auth?.authorization_code?.pkce, true);
      assert.equal(pubClient.auth?.authorization_code?.refresh_token, true);

      const jwks = { keys: [{ kty: 'EC', crv: 'P-384', x: 'x', y: 'y', kid: 'k1', alg: 'ES384' }] };
      const backend = await dcr.register({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks, client_name: 'bulk' });
      assert.equal(backend.status, 201, JSON.stringify(backend.body));
      assert.equal(backend.body.client_secret, undefined);
      assert.deepEqual(backend.body.response_types, []);
      assert.deepEqual(backend.body.jwks, jwks);
      assert.match(String(backend.body.scope), /system\//);
      const backendClient = (await dcr.adminClient(String(backend.body.client_id))).body;
      assert.equal(backendClient.type, 'bulk-api-client');
      assert.equal(backendClient.secret, undefined);

      const asymmetric = await dcr.register({ redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: 'https://app.example/jwks' });
      assert.equal(asymmetric.status, 201, JSON.stringify(asymmetric.body));
      assert.equal(asymmetric.body.client_secret, undefined);
      assert.equal(asymmetric.body.token_endpoint_auth_method, 'private_key_jwt');
      assert.equal(asymmetric.body.jwks_uri, 'https://app.example/jwks');
      const asymmetricClient = (await dcr.adminClient(String(asymmetric.body.client_id))).body as { secret?: string; auth?: { authorization_code?: Json; client_credentials?: Json } };
      assert.equal(asymmetricClient.secret, undefined);
      assert.notEqual(asymmetricClient.auth?.authorization_code?.secret_required, false, 'not a public client');
      assert.deepEqual(asymmetricClient.auth?.client_credentials?.client_assertion_types, ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer']);

      const launch = await dcr.register({ redirect_uris: ['https://app.example/cb'], token_endpoint_auth_method: 'client_secret_post', initiate_login_uri: 'https://app.example/launch', software_id: 's-1', software_version: '2.0', tos_uri: 'https://app.example/tos', policy_uri: 'https://app.example/privacy' });
      assert.equal(launch.status, 201, JSON.stringify(launch.body));
      assert.equal(launch.body.launch_uri, 'https://app.example/launch');
      assert.equal(launch.body.software_id, 's-1');
      assert.equal(launch.body.software_version, '2.0');
      assert.equal(launch.body.tos_uri, 'https://app.example/tos');
      assert.equal(launch.body.policy_uri, 'https://app.example/privacy');
      assert.equal(launch.body.token_endpoint_auth_method, 'client_secret_post');
      assert.equal(typeof launch.body.client_secret, 'string');
      assert.deepEqual((await dcr.adminClient(String(launch.body.client_id))).body.smart, { launch_uri: 'https://app.example/launch' });
    });

    it('RFC 7592: two requests racing with one registration access token rotate it once', async () => {
      const created = await dcr.register({ redirect_uris: ['https://race.example/cb'] });
      assert.equal(created.status, 201);
      const uri = new URL(String(created.body.registration_client_uri)).pathname;
      const token = String(created.body.registration_access_token);
      const results = await Promise.all([dcr.send('GET', uri, { token }), dcr.send('GET', uri, { token })]);
      assert.deepEqual(results.map((r) => r.status).sort(), [200, 401]);
      const winner = results.find((r) => r.status === 200);
      assert.equal((await dcr.send('GET', uri, { token: String(winner?.body.registration_access_token) })).status, 200);
    });

    it('RFC 7592: a refused update keeps the current registration access token', async () => {
      const created = await dcr.register({ redirect_uris: ['https://keep.example/cb'] });
      const uri = new URL(String(created.body.registration_client_uri)).pathname;
      const token = String(created.body.registration_access_token);
      const refused = await dcr.send('PUT', uri, { token, body: { client_id: created.body.client_id, redirect_uris: ['https://keep.example/cb#frag'] } });
      assert.equal(refused.status, 400);
      assert.equal((await dcr.send('GET', uri, { token })).status, 200);
    });

    const invalid: [string, string | Json, string, RegExp][] = [
      ['a fragment', { redirect_uris: ['https://a.example/cb#frag'] }, 'invalid_redirect_uri', /fragment/],
      ['a relative redirect URI', { redirect_uris: ['/cb'] }, 'invalid_redirect_uri', /absolute/],
      ['redirect_uris not an array', { redirect_uris: 'https://a.example/cb' }, 'invalid_redirect_uri', /array/],
      ['an unknown auth method', { redirect_uris: ['https://a.example/cb'], token_endpoint_auth_method: 'tls_client_auth' }, 'invalid_client_metadata', /token_endpoint_auth_method/],
      ['an unknown grant type', { redirect_uris: ['https://a.example/cb'], grant_types: ['implicit'] }, 'invalid_client_metadata', /implicit/],
      ['code grant without code response', { redirect_uris: ['https://a.example/cb'], response_types: ['token'] }, 'invalid_client_metadata', /response_types/],
      ['code response without code grant', { grant_types: ['client_credentials'], response_types: ['code'] }, 'invalid_client_metadata', /response_types/],
      ['private_key_jwt without keys', { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt' }, 'invalid_client_metadata', /jwks/],
      ['both jwks and jwks_uri', { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'RSA', n: 'n', e: 'AQAB' }] }, jwks_uri: 'https://a.example/jwks' }, 'invalid_client_metadata', /not both/],
      ['a private key in jwks', { grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks: { keys: [{ kty: 'RSA', n: 'n', e: 'AQAB', d: 'secret' }] } }, 'invalid_client_metadata', /public key/],
      ['a public client with client_credentials', { grant_types: ['client_credentials'], token_endpoint_auth_method: 'none' }, 'invalid_client_metadata', /client_credentials/],
      ['a bad logo_uri', { redirect_uris: ['https://a.example/cb'], logo_uri: 'not a url' }, 'invalid_client_metadata', /logo_uri/],
      ['a bad scope token', { redirect_uris: ['https://a.example/cb'], scope: 'patient/*.read "quoted"' }, 'invalid_client_metadata', /scope/],
      ['a non-object body', '[1, 2]', 'invalid_client_metadata', /JSON object/],
      ['malformed JSON', '{"redirect_uris": [', 'invalid_client_metadata', /not valid JSON/],
      ['an empty body', '', 'invalid_client_metadata', /JSON object/],
    ];
    for (const [name, body, error, description] of invalid) {
      it(`400 ${error} for ${name}`, async () => {
        assertOAuthError(await dcr.register(body), 400, error, description);
      });
    }

    it('400 invalid_client_metadata for a body that is not JSON', async () => {
      const res = await dcr.send('POST', '/auth/register', { body: 'redirect_uris=https://a.example/cb', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
      assertOAuthError(res, 400, 'invalid_client_metadata', /application\/json/);
    });

    it('allows http redirect URIs to any host in sandbox mode', async () => {
      assert.equal((await dcr.register({ redirect_uris: ['http://app.example/cb'] })).status, 201);
    });

    it('RFC 7592: read, update with token rotation, delete, then 401', async () => {
      const created = await dcr.register(SEED_001_BODY);
      const id = String(created.body.client_id);
      const createdToken = String(created.body.registration_access_token);
      const uri = path(created.body.registration_client_uri);

      const read = await dcr.send('GET', uri, { token: createdToken });
      assert.equal(read.status, 200);
      assert.equal(read.headers['cache-control'], 'no-store');
      assert.equal(read.body.client_id, id);
      assert.equal(read.body.client_secret, undefined, 'a read never hands out the secret again');
      assert.equal(read.body.client_secret_expires_at, 0);
      assert.equal(read.body.registration_client_uri, created.body.registration_client_uri);
      assert.deepEqual(read.body.redirect_uris, created.body.redirect_uris);
      // RFC 7592 §3: the read returns a registration access token; tokens are stored hashed, so it is a new one.
      const readToken = String(read.body.registration_access_token);
      assert.match(readToken, /^[A-Za-z0-9_-]{43}$/);
      assert.notEqual(readToken, createdToken);
      assertOAuthError(await dcr.send('GET', uri, { token: createdToken }), 401, 'invalid_token');
      // Also at the S4S path, which rotates again.
      const s4sRead = await dcr.send('GET', `/oauth/register/${id}`, { token: readToken });
      assert.equal(s4sRead.status, 200);
      const token = String(s4sRead.body.registration_access_token);
      assert.notEqual(token, readToken);
      assertOAuthError(await dcr.send('GET', uri, { token: readToken }), 401, 'invalid_token');

      for (const bad of [undefined, 'wrong-token', createdToken]) {
        const res = await dcr.send('GET', uri, bad === undefined ? {} : { token: bad });
        assertOAuthError(res, 401, 'invalid_token');
        assert.match(String(res.headers['www-authenticate']), /^Bearer error="invalid_token"/);
      }
      // Another client's token does not open this one.
      const other = await dcr.register(SEED_003_BODY);
      assertOAuthError(await dcr.send('GET', uri, { token: String(other.body.registration_access_token) }), 401, 'invalid_token');

      const replacement = { client_id: id, client_name: 'Renamed', redirect_uris: ['https://client.example.com/new', 'https://client.example.com/other'], grant_types: ['authorization_code', 'refresh_token'], scope: 'launch/patient patient/*.read' };
      assertOAuthError(await dcr.send('PUT', uri, { token, body: { ...replacement, client_id: 'someone-else' } }), 400, 'invalid_client_metadata', /client_id/);
      assertOAuthError(await dcr.send('PUT', uri, { token, body: { ...replacement, client_secret: 'chosen-by-client' } }), 400, 'invalid_client_metadata', /client_secret/);
      const updated = await dcr.send('PUT', uri, { token, body: { ...replacement, client_secret: created.body.client_secret } });
      assert.equal(updated.status, 200, JSON.stringify(updated.body));
      const newToken = String(updated.body.registration_access_token);
      assert.notEqual(newToken, token);
      assert.equal(updated.body.client_name, 'Renamed');
      assert.deepEqual(updated.body.redirect_uris, replacement.redirect_uris);
      assert.deepEqual(updated.body.grant_types, ['authorization_code', 'refresh_token']);
      assert.equal(updated.body.client_secret, undefined, 'no new secret was issued');
      assert.equal((await dcr.adminClient(id)).body.secret, created.body.client_secret, 'the secret survives an update');
      assert.equal(updated.body.client_id_issued_at, created.body.client_id_issued_at);
      // Full replacement: what the update left out is gone.
      assert.equal(updated.body.logo_uri, undefined);
      assert.equal(updated.body.contacts, undefined);
      assertOAuthError(await dcr.send('GET', uri, { token }), 401, 'invalid_token');
      const reread = await dcr.send('GET', uri, { token: newToken });
      assert.equal(reread.body.client_name, 'Renamed');
      const latestToken = String(reread.body.registration_access_token);
      const admin = (await dcr.adminClient(id)).body as { name?: string; auth?: { authorization_code?: Json }; registration?: Json };
      assert.equal(admin.name, 'Renamed');
      assert.equal(admin.auth?.authorization_code?.redirect_uri, 'https://client.example.com/new');
      assert.deepEqual(admin.registration?.redirect_uris, replacement.redirect_uris);

      assertOAuthError(await dcr.send('DELETE', uri, { token: newToken }), 401, 'invalid_token');
      const deleted = await dcr.send('DELETE', uri, { token: latestToken });
      assert.equal(deleted.status, 204);
      assertOAuthError(await dcr.send('GET', uri, { token: latestToken }), 401, 'invalid_token');
      assertOAuthError(await dcr.send('DELETE', uri, { token: latestToken }), 401, 'invalid_token');
      assert.equal((await dcr.adminClient(id)).status, 404);
    });

    it('a client deleted in the admin API loses its registration', async () => {
      const created = await dcr.register(SEED_003_BODY);
      const id = String(created.body.client_id);
      const del = await portico.app.inject({ method: 'DELETE', url: `/Client/${id}`, headers: { authorization: ROOT_BASIC } });
      assert.ok(del.statusCode < 300, del.body);
      assertOAuthError(await dcr.send('GET', path(created.body.registration_client_uri), { token: String(created.body.registration_access_token) }), 401, 'invalid_token');
    });

    it('401 for an unknown client id', async () => {
      assertOAuthError(await dcr.send('GET', '/auth/register/no-such-client', { token: 'x' }), 401, 'invalid_token');
    });
  });

  describe(`dynamic client registration, initial access tokens (production, ${driver})`, () => {
    let portico: TestPortico;
    let dcr: ReturnType<typeof registrar>;
    let clock = Date.now();
    before(async () => {
      portico = await startPortico(
        driver,
        { MODE: 'production', ADMIN_CLIENT_ID: 'root', ADMIN_CLIENT_SECRET: PRODUCTION_ROOT_SECRET, SESSION_SECRET: 's'.repeat(32), SECRETS_KEY: 'a'.repeat(64), INITIAL_ACCESS_TOKEN_LIFETIME: '600' },
        { now: () => new Date(clock) },
      );
      dcr = registrar(portico, PRODUCTION_ROOT_BASIC);
    });
    after(() => portico.stop());

    const issue = async () => {
      const res = await dcr.send('POST', '/auth/initial-access-token', { headers: { authorization: PRODUCTION_ROOT_BASIC } });
      assert.equal(res.status, 201, JSON.stringify(res.body));
      return res.body as { token: string; expires_at: number };
    };

    it('production defaults to initial-access-token mode: 401 without a valid token, even for a bad body', async () => {
      for (const token of [undefined, 'not-a-token']) {
        const res = await dcr.register(SEED_001_BODY, token);
        assertOAuthError(res, 401, 'invalid_token');
        assert.match(String(res.headers['www-authenticate']), /^Bearer error="invalid_token"/);
      }
      assertOAuthError(await dcr.register('{"broken', undefined), 401, 'invalid_token');
      assertOAuthError(await dcr.register(SEED_003_BODY, undefined, '/oauth/register'), 401, 'invalid_token');
    });

    it('a developer obtains an initial access token; the clients registered with it are theirs', async () => {
      const dev = await portico.app.inject({
        method: 'POST',
        url: '/User',
        headers: { authorization: PRODUCTION_ROOT_BASIC, 'content-type': 'application/json' },
        payload: JSON.stringify({ resourceType: 'User', email: 'dev@dcr.example', password: 'a long developer password', roles: ['developer'] }),
      });
      assert.equal(dev.statusCode, 201, dev.body);
      const devBasic = `Basic ${Buffer.from('dev@dcr.example:a long developer password').toString('base64')}`;
      const issued = await dcr.send('POST', '/auth/initial-access-token', { headers: { authorization: devBasic } });
      assert.equal(issued.status, 201, JSON.stringify(issued.body));
      const registered = await dcr.register({ redirect_uris: ['https://dev.example/cb'] }, String(issued.body.token));
      assert.equal(registered.status, 201, JSON.stringify(registered.body));
      assert.equal((await dcr.adminClient(String(registered.body.client_id))).body.owner, `User/${dev.json().id}`);
      const wrongPassword = `Basic ${Buffer.from('dev@dcr.example:nope').toString('base64')}`;
      assertOAuthError(await dcr.send('POST', '/auth/initial-access-token', { headers: { authorization: wrongPassword } }), 401, 'invalid_client');
    });

    it('initial access tokens are refused to anonymous callers and wrong secrets', async () => {
      const anonymous = await dcr.send('POST', '/auth/initial-access-token');
      assertOAuthError(anonymous, 401, 'invalid_client');
      const wrong = await dcr.send('POST', '/auth/initial-access-token', { headers: { authorization: `Basic ${Buffer.from('root:nope').toString('base64')}` } });
      assertOAuthError(wrong, 401, 'invalid_client');
      const { token, expires_at } = await issue();
      assert.match(token, /^[A-Za-z0-9_-]{43}$/);
      assert.equal(expires_at, Math.floor(clock / 1000) + 600);
    });

    it("registers seed 001's and seed 003's requests with an initial access token", async () => {
      const { token } = await issue();
      const kodjin = await dcr.register(SEED_001_BODY, token);
      assert.equal(kodjin.status, 201, JSON.stringify(kodjin.body));
      assert.equal(typeof kodjin.body.client_secret, 'string');
      assert.equal(typeof kodjin.body.registration_access_token, 'string');
      const s4s = await dcr.register(SEED_003_BODY, token, '/oauth/register');
      assert.equal(s4s.status, 201, JSON.stringify(s4s.body));
      assert.equal(s4s.body.scope, 'launch/patient patient/*.read offline_access');
      // With a valid token, a bad body is a 400.
      assertOAuthError(await dcr.register('{"broken', token), 400, 'invalid_client_metadata');
    });

    it('refuses plain http redirect URIs except on loopback', async () => {
      const { token } = await issue();
      assertOAuthError(await dcr.register({ redirect_uris: ['http://app.example/cb'] }, token), 400, 'invalid_redirect_uri', /https/);
      assert.equal((await dcr.register({ redirect_uris: ['http://127.0.0.1:8000/cb'], token_endpoint_auth_method: 'none' }, token)).status, 201);
    });

    it('401 for an expired initial access token', async () => {
      const { token } = await issue();
      clock += 601_000;
      try {
        assertOAuthError(await dcr.register(SEED_001_BODY, token), 401, 'invalid_token', /expired/);
      } finally {
        clock -= 601_000;
      }
    });
  });
}
