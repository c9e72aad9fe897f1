import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { JWTPayload } from 'jose';
import { classifyAddress } from '../../src/auth/client-auth/jwks/address-class.ts';
import { createHttpJwksFetcher } from '../../src/auth/client-auth/jwks/http-jwks-fetcher.ts';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { signAssertion, testKey, type TestKey } from '../auth/support/client-auth-fixtures.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

// The edges of the HTTP surfaces, held whatever arrives: a client assertion nested deeper than any body may be,
// registration metadata of megabytes, URLs the router cannot decode, RFC 7592 updates echoing the server's fields
// as null, plain-http redirect URLs from developers in production, and jwks_uri addresses that translate to
// special-use IPv4 addresses. Each refusal follows the same request succeeding for the right caller, and is
// followed by proof that nothing changed.

type Json = Record<string, unknown>;
interface Res {
  status: number;
  headers: Record<string, unknown>;
  text: string;
  body: Json;
}

const TOKEN_URL = `${TEST_BASE_URL}/auth/token`;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const SAVE = 'smartbox.portal.developer.rpc/save-developer-application';
/** Production wants a root secret of at least 32 characters. */
const PRODUCTION_ROOT = { id: 'root', secret: 'a-production-root-secret-0123456789' };
const PRODUCTION = { MODE: 'production', ADMIN_CLIENT_ID: PRODUCTION_ROOT.id, ADMIN_CLIENT_SECRET: PRODUCTION_ROOT.secret, SESSION_SECRET: 's'.repeat(32), SECRETS_KEY: 'a'.repeat(64), REGISTRATION_MODE: 'open' };
/** RFC 6749 §5.2: error_description is printable ASCII without `"` and `\`. */
const OAUTH_DESCRIPTION = /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/;

const nest = (depth: number, inner: string) => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;
const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');

async function inject(portico: TestPortico, method: 'GET' | 'POST' | 'PUT', url: string, options: { headers?: Record<string, string>; payload?: string } = {}): Promise<Res> {
  const res = await portico.app.inject({ method, url, headers: options.headers ?? {}, ...(options.payload !== undefined ? { payload: options.payload } : {}) });
  const type = String(res.headers['content-type'] ?? '');
  return { status: res.statusCode, headers: res.headers, text: res.body, body: type.includes('json') && res.body !== '' ? res.json<Json>() : {} };
}

for (const driver of drivers) {
  describe(`a client assertion nested too deep (${driver})`, () => {
    let portico: TestPortico;
    let key: TestKey;
    const clientId = 'deep-assertion-app';

    before(async () => {
      portico = await startPortico(driver);
      key = await testKey('deep-key', 'ES384');
      const client = await adminHttp(portico.app)('PUT', `/Client/${clientId}`, {
        body: {
          resourceType: 'Client',
          type: 'bulk-api-client',
          grant_types: ['client_credentials'],
          scope: ['system/*.rs'],
          auth: { client_credentials: { client_assertion_types: [JWT_BEARER] } },
          jwks: { keys: [key.publicJwk] },
        },
      });
      assert.equal(client.status, 201, client.text);
    });
    after(() => portico.stop());

    const claims = (extra: JWTPayload = {}): JWTPayload => ({ iss: clientId, sub: clientId, aud: TOKEN_URL, exp: Math.floor(Date.now() / 1000) + 240, jti: randomUUID(), ...extra });
    const token = (assertion: string) =>
      inject(portico, 'POST', '/auth/token', {
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: JWT_BEARER, client_assertion: assertion }).toString(),
      });
    const refusedAsTooDeep = (res: Res, part: 'header' | 'payload') => {
      assert.equal(res.status, 401, res.text);
      assert.equal(res.body.error, 'invalid_client', res.text);
      assert.equal(res.body.error_description, `The client_assertion ${part} holds values nested deeper than 64 levels`);
      assert.equal(res.body.access_token, undefined);
    };

    it('is 401 invalid_client, never a 500, signed or not; as deep as MAX_JSON_DEPTH still authenticates, and so does the client afterwards', async () => {
      // The claims object is one level: a claim of 63 nested arrays makes 64, the limit.
      const atLimit = await token(await signAssertion(key, claims({ x: JSON.parse(nest(63, '1')) as unknown })));
      assert.equal(atLimit.status, 200, `positive control: ${atLimit.text}`);
      assert.equal(typeof atLimit.body.access_token, 'string');

      // Thousands of levels deep (the walk over it once overflowed the stack: a 500), signed by nobody.
      const header = b64(JSON.stringify({ alg: 'ES384', kid: 'deep-key' }));
      for (const depth of [20_000, 200_000]) {
        refusedAsTooDeep(await token(`${header}.${b64(`{"iss":"${clientId}","x":${nest(depth, '1')}}`)}.c2ln`), 'payload');
        refusedAsTooDeep(await token(`${b64(`{"alg":"ES384","x":${nest(depth, '1')}}`)}.${b64(JSON.stringify(claims()))}.c2ln`), 'header');
      }
      // One level over the limit, signed by the client's own key.
      refusedAsTooDeep(await token(await signAssertion(key, claims({ x: JSON.parse(nest(64, '1')) as unknown }))), 'payload');
      refusedAsTooDeep(await token(await signAssertion(key, claims(), { x: JSON.parse(nest(64, '1')) as unknown })), 'header');

      const after = await token(await signAssertion(key, claims()));
      assert.equal(after.status, 200, after.text);
      assert.equal(typeof after.body.access_token, 'string');
    });
  });

  describe(`registration metadata sizes (${driver})`, () => {
    let portico: TestPortico;
    let admin: ReturnType<typeof adminHttp>;

    before(async () => {
      portico = await startPortico(driver);
      admin = adminHttp(portico.app);
    });
    after(() => portico.stop());

    const register = (body: Json | string) =>
      inject(portico, 'POST', '/auth/register', { headers: { 'content-type': 'application/json' }, payload: typeof body === 'string' ? body : JSON.stringify(body) });
    const clientCount = async () => {
      const res = await admin('GET', '/Client?_count=1');
      assert.equal(res.status, 200, res.text);
      return res.body.total as number;
    };
    const refused = async (body: Json, error: string, description: RegExp) => {
      const before = await clientCount();
      const res = await register(body);
      assert.equal(res.status, 400, res.text.slice(0, 300));
      assert.equal(res.body.error, error);
      assert.match(String(res.body.error_description), description);
      assert.equal(res.text.length < 1000, true, 'the refusal does not echo the value');
      assert.equal(res.body.client_id, undefined);
      assert.equal(await clientCount(), before, 'nothing stored');
    };
    const base = { client_name: 'sized', redirect_uris: ['https://sized.example/cb'] };
    const url = (length: number) => `https://sized.example/${'p'.repeat(length - 'https://sized.example/'.length)}`;

    it('each string of 2,000 characters is stored; 2,001 is invalid_client_metadata (invalid_redirect_uri for a redirect URI), nothing stored', async () => {
      const long = {
        ...base,
        redirect_uris: [url(2000)],
        software_id: 'i'.repeat(2000),
        software_version: 'v'.repeat(2000),
        client_uri: url(2000),
        logo_uri: url(2000),
        tos_uri: url(2000),
        policy_uri: url(2000),
        launch_uri: url(2000),
        contacts: ['c'.repeat(2000)],
        client_name: 'n'.repeat(256),
      };
      const accepted = await register(long);
      assert.equal(accepted.status, 201, accepted.text.slice(0, 300));
      const stored = await admin('GET', `/Client/${String(accepted.body.client_id)}`);
      assert.equal(stored.body.registration.software_id, long.software_id);
      assert.deepEqual(stored.body.registration.redirect_uris, long.redirect_uris);

      for (const key of ['software_id', 'software_version'] as const) {
        await refused({ ...long, [key]: `${long[key]}x` }, 'invalid_client_metadata', new RegExp(`^${key} is longer than 2000 characters$`));
      }
      for (const key of ['client_uri', 'logo_uri', 'tos_uri', 'policy_uri', 'launch_uri'] as const) {
        await refused({ ...long, [key]: url(2001) }, 'invalid_client_metadata', new RegExp(`^${key} is longer than 2000 characters$`));
      }
      await refused({ ...long, contacts: ['a@sized.example', 'c'.repeat(2001)] }, 'invalid_client_metadata', /^contacts: each must be at most 2000 characters$/);
      await refused({ ...long, redirect_uris: ['https://sized.example/cb', url(2001)] }, 'invalid_redirect_uri', /^redirect_uris: each must be at most 2000 characters$/);
      await refused({ ...long, client_name: 'n'.repeat(257) }, 'invalid_client_metadata', /^client_name is longer than 256 characters$/);
      // A value of megabytes, which registration once stored.
      await refused({ ...base, software_id: 'y'.repeat(900_000) }, 'invalid_client_metadata', /^software_id is longer than 2000 characters$/);
    });

    it('a scope of 8,000 characters is stored; 8,001 is invalid_client_metadata', async () => {
      // Scope tokens separated by single spaces, ending in a token.
      const scope = `${'system/Patient.rs '.repeat(500).slice(0, 7999)}x`;
      assert.equal(scope.length, 8000);
      const accepted = await register({ ...base, scope });
      assert.equal(accepted.status, 201, accepted.text.slice(0, 300));
      assert.equal(accepted.body.scope, scope);
      await refused({ ...base, scope: `${scope}x` }, 'invalid_client_metadata', /^scope is longer than 8000 characters$/);
    });

    it('a body over 1 MB is 413 in the RFC 7591 shape, nothing stored; 1 MB is read (unknown members are ignored)', async () => {
      const padded = (bytes: number) => {
        const text = JSON.stringify({ ...base, padding: '' });
        return `${text.slice(0, -2)}${'p'.repeat(bytes - text.length)}"}`;
      };
      const limit = padded(1024 * 1024);
      assert.equal(Buffer.byteLength(limit), 1024 * 1024);
      const accepted = await register(limit);
      assert.equal(accepted.status, 201, accepted.text.slice(0, 300));

      const before = await clientCount();
      const res = await register(padded(1024 * 1024 + 1));
      assert.equal(res.status, 413, res.text);
      assert.equal(res.body.error, 'invalid_request');
      assert.match(String(res.body.error_description), OAUTH_DESCRIPTION);
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(await clientCount(), before, 'nothing stored');
    });

    it('RFC 7592 update: the same caps; a refused update leaves the registration and its token as they were', async () => {
      const created = await register(base);
      assert.equal(created.status, 201, created.text);
      const path = new URL(String(created.body.registration_client_uri)).pathname;
      const manage = (method: 'GET' | 'PUT', token: string, body?: Json) =>
        inject(portico, method, path, { headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
      const update = { ...base, client_id: created.body.client_id };
      const updated = await manage('PUT', String(created.body.registration_access_token), { ...update, software_id: 'i'.repeat(2000) });
      assert.equal(updated.status, 200, `positive control: ${updated.text.slice(0, 300)}`);
      const token = String(updated.body.registration_access_token);

      const refused = await manage('PUT', token, { ...update, software_id: 'i'.repeat(2001) });
      assert.equal(refused.status, 400, refused.text.slice(0, 300));
      assert.equal(refused.body.error, 'invalid_client_metadata');
      assert.equal(refused.body.error_description, 'software_id is longer than 2000 characters');
      const current = await manage('GET', token);
      assert.equal(current.status, 200, 'the registration access token was not rotated');
      assert.equal(current.body.software_id, 'i'.repeat(2000));
    });
  });

  describe(`RFC 7592 update: server-managed fields sent as null are refused like any value (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver);
    });
    after(() => portico.stop());

    it('each is refused when present at all, null included; the registration, its name and its token are unchanged', async () => {
      const json = { 'content-type': 'application/json' };
      const created = await inject(portico, 'POST', '/auth/register', { headers: json, payload: JSON.stringify({ client_name: 'managed', redirect_uris: ['https://managed.example/cb'] }) });
      assert.equal(created.status, 201, created.text);
      const path = new URL(String(created.body.registration_client_uri)).pathname;
      const manage = (method: 'GET' | 'PUT', token: string, body?: Json) =>
        inject(portico, method, path, { headers: { authorization: `Bearer ${token}`, ...(body ? json : {}) }, ...(body ? { payload: JSON.stringify(body) } : {}) });
      const replacement = { client_id: created.body.client_id, client_secret: created.body.client_secret, client_name: 'renamed', redirect_uris: ['https://managed.example/cb'] };
      const updated = await manage('PUT', String(created.body.registration_access_token), replacement);
      assert.equal(updated.status, 200, `positive control: ${updated.text}`);
      const token = String(updated.body.registration_access_token);

      for (const field of ['registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at']) {
        const refused = await manage('PUT', token, { ...replacement, client_name: 'changed', [field]: null });
        assert.equal(refused.status, 400, `${field}: ${refused.text}`);
        assert.equal(refused.body.error, 'invalid_client_metadata');
        assert.equal(refused.body.error_description, `${field} must not be sent in an update: the server manages them (RFC 7592 §2.2)`);
      }
      const current = await manage('GET', token);
      assert.equal(current.status, 200, 'the refused updates did not rotate the registration access token');
      assert.equal(current.body.client_name, 'renamed');
      assert.equal(current.body.client_id_issued_at, created.body.client_id_issued_at);
    });
  });

  describe(`errors before routing: each surface's own shape, never the URL (${driver})`, () => {
    let portico: TestPortico;
    const ROOT = basic('root', 'secret');
    before(async () => {
      portico = await startPortico(driver);
    });
    after(() => portico.stop());

    /** Paths the router cannot decode (a `"` among them): the description must not repeat any of them. */
    const MALFORMED = ['%zz', '%E0%A4%A', '%22%zz%5C'];
    const echoes = (text: string) => text.includes('%') || text.includes('zz') || text.includes('\\"%');

    it('admin API: 400 OperationOutcome (414 for a segment over the router limit), no-store, like its other refusals', async () => {
      const control = await inject(portico, 'GET', '/Client/no-such-client', { headers: { authorization: ROOT } });
      assert.equal(control.status, 404, `positive control: ${control.text}`);
      assert.equal(control.body.resourceType, 'OperationOutcome');
      for (const kind of ['Client', 'User', 'AccessPolicy']) {
        for (const bad of MALFORMED) {
          const res = await inject(portico, 'GET', `/${kind}/${bad}`, { headers: { authorization: ROOT } });
          assert.equal(res.status, 400, `${kind}/${bad}: ${res.text}`);
          assert.match(String(res.headers['content-type']), /^application\/json/);
          assert.equal(res.body.resourceType, 'OperationOutcome', res.text);
          assert.deepEqual(res.body.issue, [{ severity: 'error', code: 'invalid', diagnostics: 'The URL is malformed (bad percent-encoding)' }]);
          assert.equal(res.headers['cache-control'], 'no-store');
          assert.equal(echoes(res.text), false, res.text);
        }
      }
      assert.equal((await inject(portico, 'GET', `/Client/${'c'.repeat(100)}`, { headers: { authorization: ROOT } })).status, 404, 'positive control: a 100-character id');
      const long = await inject(portico, 'GET', `/Client/${'c'.repeat(101)}`, { headers: { authorization: ROOT } });
      assert.equal(long.status, 414, long.text);
      assert.equal(long.body.resourceType, 'OperationOutcome');
      assert.equal(long.text.includes('ccc'), false, long.text);
    });

    it('/rpc: 400 {error: {message}}, no-store', async () => {
      const control = await inject(portico, 'POST', '/rpc', { headers: { authorization: ROOT, 'content-type': 'application/json' }, payload: JSON.stringify({ method: 'no/such-method' }) });
      assert.equal(control.status >= 400 && control.status < 500, true, `positive control: ${control.text}`);
      assert.equal(typeof (control.body.error as Json).message, 'string');
      for (const bad of MALFORMED) {
        const res = await inject(portico, 'POST', `/rpc/${bad}`, { headers: { authorization: ROOT } });
        assert.equal(res.status, 400, res.text);
        assert.deepEqual(res.body, { error: { message: 'The URL is malformed (bad percent-encoding)' } });
        assert.equal(res.headers['cache-control'], 'no-store');
      }
    });

    it('the pages: 400 "Request refused" page with the page headers, never JSON', async () => {
      const control = await inject(portico, 'GET', '/auth/login');
      assert.equal(control.status, 200, `positive control: ${control.text.slice(0, 200)}`);
      for (const page of ['/auth/login', '/auth/authorize', '/auth/logout', '/auth/apps']) {
        for (const bad of MALFORMED) {
          const res = await inject(portico, 'GET', `${page}/${bad}`);
          assert.equal(res.status, 400, `${page}/${bad}: ${res.text.slice(0, 200)}`);
          assert.match(String(res.headers['content-type']), /^text\/html/);
          assert.match(res.text, /Request refused/);
          assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
          assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN');
          assert.equal(res.headers['cache-control'], 'no-store');
          assert.equal(echoes(res.text), false);
        }
      }
    });

    it('the OAuth endpoints (and any other path): RFC 6749 JSON invalid_request whose description holds no quote and no URL', async () => {
      const control = await inject(portico, 'GET', '/auth/register/no-such-client');
      assert.equal(control.status, 401, `positive control: ${control.text}`);
      assert.equal(control.body.error, 'invalid_token');
      for (const path of ['/auth/register', '/oauth/register', '/auth/token', '/auth/introspect', '/.well-known', '/health']) {
        for (const bad of MALFORMED) {
          const res = await inject(portico, 'GET', `${path}/${bad}`);
          assert.equal(res.status, 400, `${path}/${bad}: ${res.text}`);
          assert.deepEqual(res.body, { error: 'invalid_request', error_description: 'The URL is malformed (bad percent-encoding)' });
          assert.equal(res.headers['cache-control'], 'no-store');
        }
      }
      const long = await inject(portico, 'GET', `/auth/register/${'c'.repeat(100)}%22`);
      assert.equal(long.status, 414, long.text);
      assert.equal(long.body.error, 'invalid_request');
      assert.match(String(long.body.error_description), OAUTH_DESCRIPTION);
    });

    it('the FHIR API: 400 OperationOutcome, as before', async () => {
      for (const bad of MALFORMED) {
        const res = await inject(portico, 'GET', `/fhir/Patient/${bad}`);
        assert.equal(res.status, 400, res.text);
        assert.equal(res.body.resourceType, 'OperationOutcome');
        assert.equal(echoes(res.text), false, res.text);
      }
    });
  });

  describe(`the developer RPC in production: plain-http redirect URLs only on loopback (${driver})`, () => {
    let portico: TestPortico;
    let admin: ReturnType<typeof adminHttp>;
    const developer = basic('dev@apps.example', 'correct horse battery');

    before(async () => {
      portico = await startPortico(driver, PRODUCTION);
      admin = adminHttp(portico.app, PRODUCTION_ROOT);
      const user = await admin('PUT', '/User/dev', { body: { resourceType: 'User', email: 'dev@apps.example', password: 'correct horse battery', roles: ['developer'] } });
      assert.equal(user.status, 201, user.text);
    });
    after(() => portico.stop());

    const save = (redirect: string) =>
      admin('POST', '/rpc', { authorization: developer, body: { method: SAVE, params: { name: 'dev app', confidentiality: 'public', 'redirect-url': redirect } } });
    const clientCount = async () => (await admin('GET', '/Client?_count=1')).body.total as number;

    it('https and loopback http are saved; http to any other host is 422 naming redirect-url, nothing stored, as at /auth/register', async () => {
      for (const redirect of ['https://app.example/cb', 'http://127.0.0.1:8080/cb', 'http://localhost/cb', 'http://[::1]:3000/cb']) {
        const saved = await save(redirect);
        assert.equal(saved.status, 200, `${redirect}: ${saved.text}`);
        assert.equal(saved.body.result.auth.authorization_code.redirect_uri, redirect);
      }
      for (const redirect of ['http://app.example/cb', 'http://10.0.0.5/cb', 'HTTP://app.example/cb']) {
        const before = await clientCount();
        const refused = await save(redirect);
        assert.equal(refused.status, 422, refused.text);
        assert.equal(refused.body.error.param, 'redirect-url');
        assert.match(refused.body.error.message, /must use https \(http is allowed only for loopback redirects\)/);
        assert.equal(await clientCount(), before, 'nothing stored');
        const registered = await inject(portico, 'POST', '/auth/register', { headers: { 'content-type': 'application/json' }, payload: JSON.stringify({ redirect_uris: [redirect] }) });
        assert.equal(registered.status, 400, `the same rule at registration: ${registered.text}`);
        assert.equal(registered.body.error, 'invalid_redirect_uri');
      }
    });

    it('the admin API is for operators: root may still register a plain-http redirect URI', async () => {
      const client = await admin('PUT', '/Client/internal-app', {
        body: { resourceType: 'Client', type: 'smart-app', grant_types: ['authorization_code'], auth: { authorization_code: { redirect_uri: 'http://app.internal.example/cb', secret_required: true } } },
      });
      assert.equal(client.status, 201, client.text);
    });
  });

  describe(`jwks_uri hosts that translate to IPv4, and local-use NAT64 (${driver})`, () => {
    let portico: TestPortico;
    let admin: ReturnType<typeof adminHttp>;
    before(async () => {
      portico = await startPortico(driver, PRODUCTION);
      admin = adminHttp(portico.app, PRODUCTION_ROOT);
    });
    after(() => portico.stop());

    const register = (jwksUri: string) =>
      inject(portico, 'POST', '/auth/register', {
        headers: { 'content-type': 'application/json' },
        payload: JSON.stringify({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', jwks_uri: jwksUri }),
      });
    const adminClient = (jwksUri: string) =>
      admin('POST', '/Client', {
        body: {
          resourceType: 'Client',
          type: 'bulk-api-client',
          grant_types: ['client_credentials'],
          scope: ['system/*.rs'],
          auth: { client_credentials: { client_assertion_types: [JWT_BEARER] } },
          jwks_uri: jwksUri,
        },
      });

    it('are judged by the IPv4 address they reach (IPv4-translated), or as private (64:ff9b:1::/48), at registration and in the admin API', async () => {
      // 93.184.215.14, public, in the same spellings.
      for (const host of ['[::ffff:0:5db8:d70e]', '[::ffff:0:93.184.215.14]', '[64:ff9b::5db8:d70e]']) {
        assert.equal((await register(`https://${host}/jwks`)).status, 201, `positive control: ${host}`);
        assert.equal((await adminClient(`https://${host}/jwks`)).status, 201, `positive control: ${host}`);
      }
      const refusedHosts: [string, string][] = [
        ['[::ffff:0:a9fe:a9fe]', 'link-local'],
        ['[::ffff:0:169.254.169.254]', 'link-local'],
        ['[::ffff:0:7f00:1]', 'loopback'],
        ['[::ffff:0:a00:5]', 'private'],
        ['[64:ff9b:1::a9fe:a9fe]', 'private'],
        ['[64:ff9b:1:2:3::5db8:d70e]', 'private'],
      ];
      for (const [host, kind] of refusedHosts) {
        const before = (await admin('GET', '/Client?_count=1')).body.total as number;
        const registered = await register(`https://${host}/jwks`);
        assert.equal(registered.status, 400, `${host}: ${registered.text}`);
        assert.equal(registered.body.error, 'invalid_client_metadata');
        assert.match(String(registered.body.error_description), new RegExp(`jwks_uri points at a ${kind} address`));
        const posted = await adminClient(`https://${host}/jwks`);
        assert.equal(posted.status, 422, `${host}: ${posted.text}`);
        assert.match(posted.text, new RegExp(`points at a ${kind} address`));
        assert.equal((await admin('GET', '/Client?_count=1')).body.total, before, 'nothing stored');
      }
    });
  });
}

describe('the JWKS fetcher: addresses that translate to IPv4, and local-use NAT64', () => {
  let server: Server;
  let port: number;
  let hits = 0;
  before(async () => {
    server = createServer((_req, res) => {
      hits++;
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  after(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const fetcher = (address: string) =>
    createHttpJwksFetcher({ timeoutMs: 2000, maxBytes: 256 * 1024, allowHttp: true, allowedAddresses: new Set(['loopback']), resolve: async () => address });

  it('refuses them before connecting, resolved or literal; the loopback the settings allow is reached', async () => {
    await fetcher('127.0.0.1')(`http://jwks.test:${port}/jwks`);
    assert.equal(hits, 1, 'positive control: the resolved loopback address is fetched');

    for (const [address, kind] of [['::ffff:0:a9fe:a9fe', 'link-local'], ['::ffff:0:a00:5', 'private'], ['64:ff9b:1::a9fe:a9fe', 'private'], ['64:ff9b:1::5db8:d70e', 'private']]) {
      assert.equal(classifyAddress(address as string), kind);
      await assert.rejects(fetcher(address as string)(`http://jwks.test:${port}/jwks`), new RegExp(`resolves to a ${kind} address, which is not allowed`), address);
      await assert.rejects(fetcher('127.0.0.1')(`http://[${address}]:${port}/jwks`), new RegExp(`points at a ${kind} address, which is not allowed`), address);
    }
    assert.equal(hits, 1, 'nothing else was fetched');
  });
});
