import assert from 'node:assert/strict';
import { generateKeyPair } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { adminHttp } from '../auth/support/admin-http.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

// What a client may register, through each surface that writes Clients: RFC 7591 registration and RFC 7592
// updates (RFC 6749-style JSON errors), the admin API (422 OperationOutcome) and the developer RPC ({error}).
// Every refusal is preceded by the same request with a valid value succeeding, and followed by proof that
// nothing was stored.

type Json = Record<string, unknown>;
interface Res {
  status: number;
  body: Json;
}

const SAVE = 'smartbox.portal.developer.rpc/save-developer-application';
const PRODUCTION = { MODE: 'production', ADMIN_CLIENT_ID: 'root', ADMIN_CLIENT_SECRET: 'a-production-root-secret-0123456789', SESSION_SECRET: 's'.repeat(32), SECRETS_KEY: 'a'.repeat(64) };

/** Redirect URIs no client may register, each with what its refusal must say. */
const FORBIDDEN_REDIRECTS: [string, RegExp][] = [
  ['about:blank', /must not use this scheme/],
  ['about:srcdoc', /must not use this scheme/],
  ['blob:https://app.example/550e8400-e29b-41d4-a716-446655440000', /must not use this scheme/],
  ['BLOB:https://app.example/550e8400-e29b-41d4-a716-446655440000', /must not use this scheme/],
  ['data:text/html,<script>alert(1)</script>', /must not use this scheme/],
  ['javascript:alert(document.location)', /must not use this scheme/],
  ['file:///etc/passwd', /must not use this scheme/],
  ['vbscript:msgbox(1)', /must not use this scheme/],
  ['https://app.example/cb#fragment', /fragment \(RFC 6749 §3\.1\.2\)/],
];

const rsaKey = async (bits: number, kid: string): Promise<Json> => {
  const { publicKey } = await promisify(generateKeyPair)('rsa', { modulusLength: bits });
  return { ...(publicKey.export({ format: 'jwk' }) as Json), kid, alg: 'RS384', use: 'sig' };
};
const ecKey = async (kid: string): Promise<Json> => {
  const { publicKey } = await promisify(generateKeyPair)('ec', { namedCurve: 'P-384' });
  return { ...(publicKey.export({ format: 'jwk' }) as Json), kid, alg: 'ES384', use: 'sig' };
};

/** The surfaces of one server, each with the checks its answers must pass. */
function surfaces(portico: TestPortico) {
  const admin = adminHttp(portico.app, { id: portico.config.admin.clientId, secret: portico.config.admin.clientSecret });
  let initialAccessToken: string | undefined;

  async function registrationToken(): Promise<string | undefined> {
    if (portico.config.registration.mode === 'open') return undefined;
    if (!initialAccessToken) {
      const issued = await admin('POST', '/auth/initial-access-token');
      assert.equal(issued.status, 201, issued.text);
      initialAccessToken = String(issued.body.token);
    }
    return initialAccessToken;
  }

  const send = async (method: 'POST' | 'PUT' | 'GET', url: string, token: string | undefined, body?: Json): Promise<Res> => {
    const res = await portico.app.inject({
      method,
      url,
      headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
    return { status: res.statusCode, body: res.json<Json>() };
  };

  return {
    admin,
    register: async (body: Json) => send('POST', '/auth/register', await registrationToken(), body),
    /** RFC 7592 */
    manage: (method: 'GET' | 'PUT', registration: Json, token: string, body?: Json) =>
      send(method, new URL(String(registration.registration_client_uri)).pathname, token, body),
    /** How many Clients the server holds (a refused request must not change it). */
    async clientCount(): Promise<number> {
      const res = await admin('GET', '/Client?_count=1');
      assert.equal(res.status, 200, res.text);
      assert.equal(typeof res.body.total, 'number');
      return res.body.total as number;
    },
  };
}

function assertRegistrationError(res: Res, error: 'invalid_redirect_uri' | 'invalid_client_metadata', description: RegExp): void {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.error, error, JSON.stringify(res.body));
  assert.match(String(res.body.error_description), description);
  assert.equal(res.body.client_id, undefined, 'no client in a refusal');
}

function assertOutcome(res: { status: number; body: Json; text: string }, expression: string, diagnostics: RegExp): void {
  assert.equal(res.status, 422, res.text);
  assert.equal(res.body.resourceType, 'OperationOutcome');
  const issues = res.body.issue as { expression?: string[]; diagnostics?: string }[];
  const named = issues.find((i) => i.expression?.[0] === expression);
  assert.ok(named, `expected ${expression} in ${res.text}`);
  assert.match(String(named.diagnostics), diagnostics);
}

/** Registration refuses `body` with `error`, and the same registration with `valid` merged in succeeds. */
async function refusedAtRegistration(
  api: ReturnType<typeof surfaces>,
  valid: Json,
  invalid: Json,
  error: 'invalid_redirect_uri' | 'invalid_client_metadata',
  description: RegExp,
): Promise<void> {
  const accepted = await api.register(valid);
  assert.equal(accepted.status, 201, `positive control: ${JSON.stringify(accepted.body)}`);
  const before = await api.clientCount();
  assertRegistrationError(await api.register(invalid), error, description);
  assert.equal(await api.clientCount(), before, 'nothing stored');
}

/** The admin API refuses `invalid` on POST and PUT naming `expression`, and accepts `valid` on both. */
async function refusedByAdmin(api: ReturnType<typeof surfaces>, valid: Json, invalid: Json, expression: string, diagnostics: RegExp): Promise<void> {
  const created = await api.admin('POST', '/Client', { body: valid });
  assert.equal(created.status, 201, `positive control: ${created.text}`);
  const put = await api.admin('PUT', '/Client/validation-target', { body: valid });
  assert.ok(put.status === 201 || put.status === 200, `positive control: ${put.text}`);
  const stored = await api.admin('GET', '/Client/validation-target');
  const before = await api.clientCount();

  assertOutcome(await api.admin('POST', '/Client', { body: invalid }), expression, diagnostics);
  assertOutcome(await api.admin('PUT', '/Client/validation-target', { body: invalid }), expression, diagnostics);
  assertOutcome(await api.admin('PUT', '/Client/never-stored', { body: invalid }), expression, diagnostics);

  assert.equal(await api.clientCount(), before, 'nothing created');
  assert.deepEqual((await api.admin('GET', '/Client/validation-target')).body, stored.body, 'the stored Client is unchanged');
  assert.equal((await api.admin('GET', '/Client/never-stored')).status, 404);
}

const codeClient = (redirect: string): Json => ({
  type: 'smart-app',
  grant_types: ['authorization_code'],
  auth: { authorization_code: { redirect_uri: redirect, secret_required: true } },
});
const backendClient = (keys: Json): Json => ({
  type: 'bulk-api-client',
  grant_types: ['client_credentials'],
  scope: ['system/*.rs'],
  auth: { client_credentials: { client_assertion_types: ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer'] } },
  ...keys,
});
const jwtRegistration = (keys: Json): Json => ({ grant_types: ['client_credentials'], token_endpoint_auth_method: 'private_key_jwt', ...keys });

/** jwks_uri hosts that name a special-use address, and the class the refusal must name. */
const SPECIAL_USE_HOSTS: [host: string, kind: string][] = [
  ['127.0.0.1', 'loopback'],
  ['127.10.20.30', 'loopback'],
  ['[::1]', 'loopback'],
  ['localhost', 'loopback'],
  ['keys.localhost', 'loopback'],
  ['2130706433', 'loopback'], // 127.0.0.1 as one number: URL parsing normalises it
  ['10.0.0.1', 'private'],
  ['0x0a.0.0.1', 'private'],
  ['172.16.5.4', 'private'],
  ['192.168.1.10', 'private'],
  ['100.64.0.1', 'private'],
  ['[::ffff:10.0.0.1]', 'private'],
  ['169.254.169.254', 'link-local'],
  ['[fe80::1]', 'link-local'],
  ['[fd00::1]', 'unique-local'],
];
/** Never reachable, whatever the settings. */
const NEVER_HOSTS: [host: string, kind: string][] = [
  ['0.0.0.0', 'unspecified'],
  ['224.0.0.1', 'multicast'],
  ['192.0.2.7', 'reserved'],
];
const PUBLIC_JWKS_URIS = ['https://keys.example.org/.well-known/jwks.json', 'https://93.184.215.14/jwks', 'https://[2606:4700::1111]/jwks'];

for (const driver of drivers) {
  describe(`client metadata validation, sandbox (${driver})`, () => {
    let portico: TestPortico;
    let api: ReturnType<typeof surfaces>;
    before(async () => {
      portico = await startPortico(driver);
      api = surfaces(portico);
    });
    after(() => portico.stop());

    describe('redirect URIs', () => {
      it('registration: 400 invalid_redirect_uri for about:, blob:, data:, javascript:, file:, vbscript: and fragments', async () => {
        for (const [uri, description] of FORBIDDEN_REDIRECTS) {
          await refusedAtRegistration(api, { redirect_uris: ['https://app.example/cb'] }, { redirect_uris: ['https://app.example/cb', uri] }, 'invalid_redirect_uri', description);
        }
      });

      it('registration: 400 invalid_redirect_uri for more than 100 redirect_uris; 100 are accepted', async () => {
        const uris = (n: number) => Array.from({ length: n }, (_, i) => `https://app.example/cb/${i}`);
        const hundred = await api.register({ redirect_uris: uris(100) });
        assert.equal(hundred.status, 201, JSON.stringify(hundred.body));
        assert.equal((hundred.body.redirect_uris as string[]).length, 100);
        await refusedAtRegistration(api, { redirect_uris: uris(100) }, { redirect_uris: uris(101) }, 'invalid_redirect_uri', /at most 100 redirect URIs/);
      });

      it('RFC 7592 update: a forbidden redirect URI is refused; the registration and its token are unchanged', async () => {
        const created = await api.register({ redirect_uris: ['https://app.example/cb'] });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const updated = await api.manage('PUT', created.body, String(created.body.registration_access_token), {
          client_id: created.body.client_id,
          client_secret: created.body.client_secret,
          redirect_uris: ['https://app.example/other'],
        });
        assert.equal(updated.status, 200, `positive control: ${JSON.stringify(updated.body)}`);
        const token = String(updated.body.registration_access_token);
        for (const [uri, description] of FORBIDDEN_REDIRECTS) {
          const refused = await api.manage('PUT', created.body, token, { client_id: created.body.client_id, redirect_uris: [uri] });
          assertRegistrationError(refused, 'invalid_redirect_uri', description);
        }
        const current = await api.manage('GET', created.body, token);
        assert.equal(current.status, 200, 'the refused updates left the registration access token as it was');
        assert.deepEqual(current.body.redirect_uris, ['https://app.example/other']);
      });

      it('admin API: 422 naming auth.authorization_code.redirect_uri for each forbidden redirect URI', async () => {
        for (const [uri, description] of FORBIDDEN_REDIRECTS) {
          await refusedByAdmin(api, codeClient('https://app.example/cb'), codeClient(uri), 'Client.auth.authorization_code.redirect_uri', description);
        }
      });

      it("admin API: a registration's redirect_uris are held to the same rules (they are matched at the authorize endpoint)", async () => {
        const registered = (uris: string[]) => ({ ...codeClient('https://app.example/cb'), registration: { redirect_uris: uris } });
        for (const [uri, description] of FORBIDDEN_REDIRECTS) {
          await refusedByAdmin(api, registered(['https://app.example/second']), registered(['https://app.example/second', uri]), 'Client.registration.redirect_uris[1]', description);
        }
        const many = (n: number) => Array.from({ length: n }, (_, i) => `https://app.example/cb/${i}`);
        await refusedByAdmin(api, registered(many(100)), registered(many(101)), 'Client.registration.redirect_uris', /at most 100/);
        await refusedByAdmin(api, registered([]), { ...registered([]), registration: { redirect_uris: 'https://app.example/cb' } }, 'Client.registration.redirect_uris', /array of strings/);
      });

      it('RPC save-developer-application: 422 {error} naming redirect-url for each forbidden redirect URI', async () => {
        const params = (redirect: string) => ({ confidentiality: 'confidential', name: 'validated-app', 'redirect-url': redirect });
        for (const [uri, description] of FORBIDDEN_REDIRECTS) {
          const saved = await api.admin('POST', '/rpc', { body: { method: SAVE, params: params('https://app.example/cb') } });
          assert.equal(saved.status, 200, `positive control: ${saved.text}`);
          assert.equal(saved.body.result.auth.authorization_code.redirect_uri, 'https://app.example/cb');
          const before = await api.clientCount();
          const refused = await api.admin('POST', '/rpc', { body: { method: SAVE, params: params(uri) } });
          assert.equal(refused.status, 422, refused.text);
          assert.match(refused.body.error.message, description);
          assert.equal(refused.body.error.param, 'redirect-url');
          assert.equal(refused.body.result, undefined);
          assert.equal(await api.clientCount(), before, 'nothing stored');
        }
      });
    });

    describe('jwks_uri addresses (the sandbox allows loopback, as its JWKS fetcher does)', () => {
      const uri = (host: string) => `https://${host}/jwks`;

      it('registration: loopback and public addresses accepted; private, link-local, unique-local and special ones refused', async () => {
        for (const [host, kind] of SPECIAL_USE_HOSTS) {
          if (kind !== 'loopback') continue;
          const res = await api.register(jwtRegistration({ jwks_uri: uri(host) }));
          assert.equal(res.status, 201, `${host}: ${JSON.stringify(res.body)}`);
        }
        for (const [host, kind] of [...SPECIAL_USE_HOSTS.filter(([, k]) => k !== 'loopback'), ...NEVER_HOSTS]) {
          const valid = jwtRegistration({ jwks_uri: PUBLIC_JWKS_URIS[0] });
          await refusedAtRegistration(api, valid, jwtRegistration({ jwks_uri: uri(host) }), 'invalid_client_metadata', new RegExp(`jwks_uri points at a ${kind} address`));
        }
        for (const publicUri of PUBLIC_JWKS_URIS) {
          assert.equal((await api.register(jwtRegistration({ jwks_uri: publicUri }))).status, 201, publicUri);
        }
      });

      it('RFC 7592 update: a private jwks_uri is refused and the registration keeps its own', async () => {
        const created = await api.register(jwtRegistration({ jwks_uri: PUBLIC_JWKS_URIS[0] }));
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const body = (jwksUri: string) => ({ client_id: created.body.client_id, ...jwtRegistration({ jwks_uri: jwksUri }) });
        const updated = await api.manage('PUT', created.body, String(created.body.registration_access_token), body('https://keys.example.net/jwks'));
        assert.equal(updated.status, 200, `positive control: ${JSON.stringify(updated.body)}`);
        const token = String(updated.body.registration_access_token);
        assertRegistrationError(await api.manage('PUT', created.body, token, body(uri('169.254.169.254'))), 'invalid_client_metadata', /link-local address/);
        const current = await api.manage('GET', created.body, token);
        assert.equal(current.status, 200);
        assert.equal(current.body.jwks_uri, 'https://keys.example.net/jwks');
      });

      it('admin API: 422 naming Client.jwks_uri for the same addresses; loopback accepted', async () => {
        const valid = backendClient({ jwks_uri: PUBLIC_JWKS_URIS[0] });
        for (const [host, kind] of [...SPECIAL_USE_HOSTS.filter(([, k]) => k !== 'loopback'), ...NEVER_HOSTS]) {
          await refusedByAdmin(api, valid, backendClient({ jwks_uri: uri(host) }), 'Client.jwks_uri', new RegExp(`points at a ${kind} address`));
        }
        const loopback = await api.admin('PUT', '/Client/loopback-keys', { body: backendClient({ jwks_uri: 'http://localhost:8082/.well-known/jwks.json' }) });
        assert.equal(loopback.status, 201, loopback.text);
      });
    });

    describe('inline jwks', () => {
      let rsa2048: Json;
      let rsa1024: Json;
      let rsa2040: Json;
      let ec: Json;
      before(async () => {
        [rsa2048, rsa1024, rsa2040, ec] = await Promise.all([rsaKey(2048, 'rsa-2048'), rsaKey(1024, 'rsa-1024'), rsaKey(2040, 'rsa-2040'), ecKey('ec-1')]);
      });

      it('registration: RSA keys under 2048 bits are refused (RFC 7518 §3.3); 2048 bits, even with a leading zero octet, accepted', async () => {
        const padded = { ...rsa2048, kid: 'padded', n: Buffer.concat([Buffer.from([0]), Buffer.from(String(rsa2048.n), 'base64url')]).toString('base64url') };
        for (const keys of [[rsa2048], [padded], [rsa2048, ec]]) {
          const res = await api.register(jwtRegistration({ jwks: { keys } }));
          assert.equal(res.status, 201, JSON.stringify(res.body));
        }
        await refusedAtRegistration(api, jwtRegistration({ jwks: { keys: [rsa2048] } }), jwtRegistration({ jwks: { keys: [rsa1024] } }), 'invalid_client_metadata', /jwks\.keys\[0\]\.n: the RSA modulus has 1024 bits; at least 2048/);
        await refusedAtRegistration(api, jwtRegistration({ jwks: { keys: [ec, rsa2048] } }), jwtRegistration({ jwks: { keys: [ec, rsa2040] } }), 'invalid_client_metadata', /jwks\.keys\[1\]\.n: the RSA modulus has 2040 bits/);
        const { n: _n, ...noModulus } = rsa2048;
        await refusedAtRegistration(api, jwtRegistration({ jwks: { keys: [rsa2048] } }), jwtRegistration({ jwks: { keys: [noModulus] } }), 'invalid_client_metadata', /jwks\.keys\[0\]\.n: an RSA key needs its modulus/);
      });

      it('registration: every key needs a kid of its own, a lone key too (assertions choose their key by kid)', async () => {
        const { kid: _kid, ...anonymous } = ec;
        await refusedAtRegistration(api, jwtRegistration({ jwks: { keys: [rsa2048, ec] } }), jwtRegistration({ jwks: { keys: [rsa2048, { ...ec, kid: 'rsa-2048' }] } }), 'invalid_client_metadata', /jwks\.keys\[1\]\.kid: "rsa-2048" is also the kid of keys\[0\]/);
        await refusedAtRegistration(api, jwtRegistration({ jwks: { keys: [rsa2048, ec] } }), jwtRegistration({ jwks: { keys: [rsa2048, anonymous] } }), 'invalid_client_metadata', /jwks\.keys\[1\]\.kid: is required/);
        await refusedAtRegistration(api, jwtRegistration({ jwks: { keys: [ec] } }), jwtRegistration({ jwks: { keys: [anonymous] } }), 'invalid_client_metadata', /jwks\.keys\[0\]\.kid: is required/);
        await refusedAtRegistration(api, jwtRegistration({ jwks: { keys: [ec] } }), jwtRegistration({ jwks: { keys: [{ ...ec, kid: '' }] } }), 'invalid_client_metadata', /jwks\.keys\[0\]\.kid: is required/);
      });

      it('admin API: 422 naming the key at fault for a short RSA key, a missing kid and a repeated kid', async () => {
        const valid = backendClient({ jwks: { keys: [rsa2048, ec] } });
        const { kid: _kid, ...anonymous } = ec;
        await refusedByAdmin(api, valid, backendClient({ jwks: { keys: [rsa1024, ec] } }), 'Client.jwks.keys[0].n', /1024 bits; at least 2048/);
        await refusedByAdmin(api, valid, backendClient({ jwks: { keys: [rsa2048, anonymous] } }), 'Client.jwks.keys[1].kid', /is required/);
        await refusedByAdmin(api, valid, backendClient({ jwks: { keys: [rsa2048, { ...ec, kid: 'rsa-2048' }] } }), 'Client.jwks.keys[1].kid', /also the kid of keys\[0\]/);
      });
    });

    describe('RFC 7592 updates: server-managed fields and the client secret', () => {
      it('refuses registration_access_token, registration_client_uri, client_secret_expires_at and client_id_issued_at; nothing changes', async () => {
        const created = await api.register({ client_name: 'echo', redirect_uris: ['https://echo.example/cb'] });
        assert.equal(created.status, 201, JSON.stringify(created.body));
        const replacement = { client_id: created.body.client_id, client_secret: created.body.client_secret, client_name: 'renamed', redirect_uris: ['https://echo.example/cb'] };
        const updated = await api.manage('PUT', created.body, String(created.body.registration_access_token), replacement);
        assert.equal(updated.status, 200, `positive control: ${JSON.stringify(updated.body)}`);
        let token = String(updated.body.registration_access_token);

        // What a client that echoes the server's response back would send.
        for (const field of ['registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at']) {
          const refused = await api.manage('PUT', created.body, token, { ...replacement, client_name: 'changed', [field]: updated.body[field] });
          assertRegistrationError(refused, 'invalid_client_metadata', new RegExp(`^${field} must not be sent in an update.*RFC 7592 §2\\.2`));
        }
        const current = await api.manage('GET', created.body, token);
        assert.equal(current.status, 200, 'the refused updates did not rotate the registration access token');
        assert.equal(current.body.client_name, 'renamed');
        assert.equal(current.body.client_id_issued_at, created.body.client_id_issued_at);
        token = String(current.body.registration_access_token);
        const again = await api.manage('PUT', created.body, token, { ...replacement, client_name: 'changed' });
        assert.equal(again.status, 200, JSON.stringify(again.body));
        assert.equal(again.body.client_name, 'changed');
      });

      it('refuses a client_secret that is not the current one; a client without a secret has none to match', async () => {
        const confidential = await api.register({ redirect_uris: ['https://secret.example/cb'], token_endpoint_auth_method: 'client_secret_post' });
        assert.equal(confidential.status, 201, JSON.stringify(confidential.body));
        const body = { client_id: confidential.body.client_id, redirect_uris: ['https://secret.example/cb'], token_endpoint_auth_method: 'client_secret_post' };
        const kept = await api.manage('PUT', confidential.body, String(confidential.body.registration_access_token), { ...body, client_secret: confidential.body.client_secret });
        assert.equal(kept.status, 200, `positive control: ${JSON.stringify(kept.body)}`);
        for (const secret of ['chosen-by-the-client', '', `${String(confidential.body.client_secret)}x`]) {
          assertRegistrationError(await api.manage('PUT', confidential.body, String(kept.body.registration_access_token), { ...body, client_secret: secret }), 'invalid_client_metadata', /client_secret must be the currently issued secret/);
        }
        const stored = await api.admin('GET', `/Client/${String(confidential.body.client_id)}`);
        assert.equal(stored.body.secret, confidential.body.client_secret, 'the secret is unchanged');

        const pub = await api.register({ redirect_uris: ['https://public.example/cb'], token_endpoint_auth_method: 'none' });
        assert.equal(pub.status, 201, JSON.stringify(pub.body));
        const pubBody = { client_id: pub.body.client_id, redirect_uris: ['https://public.example/cb'], token_endpoint_auth_method: 'none' };
        const renamed = await api.manage('PUT', pub.body, String(pub.body.registration_access_token), { ...pubBody, client_name: 'public renamed' });
        assert.equal(renamed.status, 200, `positive control: ${JSON.stringify(renamed.body)}`);
        for (const secret of ['', 'any-secret']) {
          const refused = await api.manage('PUT', pub.body, String(renamed.body.registration_access_token), { ...pubBody, client_name: 'with a secret', client_secret: secret });
          assertRegistrationError(refused, 'invalid_client_metadata', /client_secret: this client has no secret to match/);
        }
        const publicClient = await api.admin('GET', `/Client/${String(pub.body.client_id)}`);
        assert.equal(publicClient.body.name, 'public renamed');
        assert.equal(publicClient.body.secret, undefined);
      });
    });
  });

  describe(`client metadata validation, production (${driver})`, () => {
    let portico: TestPortico;
    let api: ReturnType<typeof surfaces>;
    before(async () => {
      portico = await startPortico(driver, PRODUCTION);
      api = surfaces(portico);
    });
    after(() => portico.stop());

    it('about: and blob: redirect URIs are refused in production too, at registration and in the admin API', async () => {
      for (const [uri, description] of FORBIDDEN_REDIRECTS) {
        await refusedAtRegistration(api, { redirect_uris: ['https://app.example/cb'] }, { redirect_uris: [uri] }, 'invalid_redirect_uri', description);
        await refusedByAdmin(api, codeClient('https://app.example/cb'), codeClient(uri), 'Client.auth.authorization_code.redirect_uri', description);
      }
    });

    it('jwks_uri: every special-use address is refused, loopback and localhost included; public ones and host names are accepted', async () => {
      const valid = jwtRegistration({ jwks_uri: PUBLIC_JWKS_URIS[0] });
      for (const [host, kind] of [...SPECIAL_USE_HOSTS, ...NEVER_HOSTS]) {
        const expected = new RegExp(`points at a ${kind} address`);
        await refusedAtRegistration(api, valid, jwtRegistration({ jwks_uri: `https://${host}/jwks` }), 'invalid_client_metadata', expected);
        await refusedByAdmin(api, backendClient({ jwks_uri: PUBLIC_JWKS_URIS[0] }), backendClient({ jwks_uri: `https://${host}/jwks` }), 'Client.jwks_uri', expected);
      }
      for (const publicUri of PUBLIC_JWKS_URIS) {
        assert.equal((await api.register(jwtRegistration({ jwks_uri: publicUri }))).status, 201, publicUri);
      }
      // A host name is not resolved at registration: the fetcher checks the address it connects to, every time.
      assert.equal((await api.register(jwtRegistration({ jwks_uri: 'https://keys.internal.example/jwks' }))).status, 201);
    });
  });

  describe(`client metadata validation, production with JWKS_FETCH_ALLOW_PRIVATE (${driver})`, () => {
    let portico: TestPortico;
    let api: ReturnType<typeof surfaces>;
    before(async () => {
      portico = await startPortico(driver, { ...PRODUCTION, JWKS_FETCH_ALLOW_PRIVATE: 'true' });
      api = surfaces(portico);
    });
    after(() => portico.stop());

    it('private, loopback, link-local and unique-local addresses are accepted, as the fetcher reaches them; unspecified, multicast and reserved never', async () => {
      for (const [host] of SPECIAL_USE_HOSTS) {
        const res = await api.register(jwtRegistration({ jwks_uri: `https://${host}/jwks` }));
        assert.equal(res.status, 201, `${host}: ${JSON.stringify(res.body)}`);
        const admin = await api.admin('POST', '/Client', { body: backendClient({ jwks_uri: `https://${host}/jwks` }) });
        assert.equal(admin.status, 201, `${host}: ${admin.text}`);
      }
      for (const [host, kind] of NEVER_HOSTS) {
        const expected = new RegExp(`points at a ${kind} address`);
        await refusedAtRegistration(api, jwtRegistration({ jwks_uri: 'https://10.0.0.1/jwks' }), jwtRegistration({ jwks_uri: `https://${host}/jwks` }), 'invalid_client_metadata', expected);
        await refusedByAdmin(api, backendClient({ jwks_uri: 'https://10.0.0.1/jwks' }), backendClient({ jwks_uri: `https://${host}/jwks` }), 'Client.jwks_uri', expected);
      }
    });
  });
}
