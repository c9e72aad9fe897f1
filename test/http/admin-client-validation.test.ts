import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminHttp } from '../auth/support/admin-http.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

const code = (settings: Record<string, unknown>) => ({
  type: 'smart-app',
  grant_types: ['authorization_code'],
  auth: { authorization_code: { redirect_uri: 'https://app.example.org/cb', ...settings } },
});
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const backend = (extra: Record<string, unknown>) => ({
  type: 'bulk-api-client',
  grant_types: ['client_credentials'],
  auth: { client_credentials: { client_assertion_types: [JWT_BEARER] } },
  ...extra,
});

/** Each rule: a body that breaks it, and the expression the 422 must name. */
const INVALID: [string, Record<string, unknown>, string][] = [
  ['unknown type', { ...code({}), type: 'web-app' }, 'Client.type'],
  ['unknown grant type', { ...code({}), grant_types: ['authorization_code', 'password'] }, 'Client.grant_types[1]'],
  ['active not a boolean', { ...code({}), active: 'yes' }, 'Client.active'],
  ['unknown field', { ...code({}), redirect_uris: ['https://x'] }, 'Client'],
  ['redirect_uri with a fragment', code({ redirect_uri: 'https://app.example.org/cb#frag' }), 'Client.auth.authorization_code.redirect_uri'],
  ['relative redirect_uri', code({ redirect_uri: '/cb' }), 'Client.auth.authorization_code.redirect_uri'],
  ['malformed http redirect_uri', code({ redirect_uri: 'http://' }), 'Client.auth.authorization_code.redirect_uri'],
  ['malformed launch_uri', { ...code({}), smart: { launch_uri: 'launch here' } }, 'Client.smart.launch_uri'],
  ['malformed jwks_uri', backend({ jwks_uri: 'not a url' }), 'Client.jwks_uri'],
  ['malformed details URL', { ...code({}), details: { 'logo-uri': 'logo.png' } }, 'Client.details.logo-uri'],
  ['access_token_expiration not a whole number', code({ access_token_expiration: 1.5 }), 'Client.auth.authorization_code.access_token_expiration'],
  ['access_token_expiration negative', code({ access_token_expiration: -300 }), 'Client.auth.authorization_code.access_token_expiration'],
  ['access_token_expiration as text', code({ access_token_expiration: '300' }), 'Client.auth.authorization_code.access_token_expiration'],
  ['token_format other than jwt', code({ token_format: 'opaque' }), 'Client.auth.authorization_code.token_format'],
  ['public client with a secret', { ...code({ secret_required: false, pkce: true }), secret: 's3cret-value' }, 'Client.secret'],
  ['public client (pkce only) with a secret', { ...code({ pkce: true }), secret: 's3cret-value' }, 'Client.secret'],
  ['public client without PKCE', code({ secret_required: false, pkce: false }), 'Client.auth.authorization_code.pkce'],
  ['public client with client_credentials', { ...code({ secret_required: false }), grant_types: ['authorization_code', 'client_credentials'] }, 'Client.grant_types'],
  ['JWT-assertion client without keys', backend({}), 'Client.jwks_uri'],
  ['bulk-api-client without keys', { type: 'bulk-api-client', grant_types: ['client_credentials'] }, 'Client.jwks_uri'],
  ['both jwks_uri and jwks', backend({ jwks_uri: 'https://k.example.org/jwks', jwks: { keys: [{ kty: 'RSA', n: 'x', e: 'AQAB' }] } }), 'Client.jwks'],
  ['private key in jwks', backend({ jwks: { keys: [{ kty: 'RSA', n: 'x', e: 'AQAB', d: 'private' }] } }), 'Client.jwks.keys[0]'],
  ['unknown client_assertion_type', backend({ jwks_uri: 'https://k.example.org/jwks', auth: { client_credentials: { client_assertion_types: ['saml'] } } }), 'Client.auth.client_credentials.client_assertion_types[0]'],
  ['scope with a bad token', { ...code({}), scope: ['patient/*.read', 'bad"scope'] }, 'Client.scope[1]'],
  ['scope neither string nor array', { ...code({}), scope: 7 }, 'Client.scope'],
  ['bad tenant', { ...code({}), meta: { _tenant: 'my clinic' } }, 'Client.meta._tenant'],
  ['first_party not a boolean', { ...code({}), first_party: 'true' }, 'Client.first_party'],
  ['wrong resourceType', { ...code({}), resourceType: 'Patient' }, 'Client.resourceType'],
];

for (const driver of drivers) {
  describe(`admin API: Client validation (${driver})`, () => {
    let portico: TestPortico;
    let send: ReturnType<typeof adminHttp>;
    before(async () => {
      portico = await startPortico(driver);
      send = adminHttp(portico.app);
    });
    after(() => portico.stop());

    for (const [rule, body, expression] of INVALID) {
      it(`422 naming ${expression}: ${rule}`, async () => {
        for (const [method, url] of [['POST', '/Client'], ['PUT', '/Client/invalid-one']] as const) {
          const res = await send(method, url, { body });
          assert.equal(res.status, 422, `${method}: ${res.text}`);
          assert.equal(res.body.resourceType, 'OperationOutcome');
          const named = res.body.issue.map((i: { expression?: string[] }) => i.expression?.[0]);
          assert.ok(named.includes(expression), `expected ${expression} in ${JSON.stringify(named)}`);
        }
        assert.equal((await send('GET', '/Client/invalid-one')).status, 404, 'nothing stored');
      });
    }

    it('normalises: code → authorization_code (deduplicated), a space-separated scope → array', async () => {
      const res = await send('PUT', '/Client/normalised', {
        body: { ...code({}), grant_types: ['code', 'authorization_code', 'refresh_token'], scope: 'launch/patient  openid patient/*.read' },
      });
      assert.equal(res.status, 201, res.text);
      assert.deepEqual(res.body.grant_types, ['authorization_code', 'refresh_token']);
      assert.deepEqual(res.body.scope, ['launch/patient', 'openid', 'patient/*.read']);
    });

    it('accepts an authorization_code client without a redirect_uri (it cannot finish the flow until one is added)', async () => {
      for (const [method, url] of [['POST', '/Client'], ['PUT', '/Client/no-redirect']] as const) {
        const res = await send(method, url, { body: { type: 'smart-app', grant_types: ['code'] } });
        assert.equal(res.status, 201, `${method}: ${res.text}`);
        assert.deepEqual(res.body.grant_types, ['authorization_code']);
        assert.equal(res.body.auth?.authorization_code?.redirect_uri, undefined);
        assert.match((await send('GET', `/Client/${res.body.id}`)).body.secret, /^[A-Za-z0-9_-]{43}$/, 'confidential by default');
      }
      const publicOne = await send('PUT', '/Client/no-redirect-public', { body: { type: 'smart-app', grant_types: ['authorization_code'], auth: { authorization_code: { pkce: true, secret_required: false } } } });
      assert.equal(publicOne.status, 201, publicOne.text);
      assert.equal(publicOne.body.secret, undefined);
    });

    it('a confidential client without a secret gets one on PUT and POST; a public one never does', async () => {
      // The root client's read of each Client shows its secret.
      const secretOf = async (id: string) => (await send('GET', `/Client/${id}`)).body.secret;
      const put = await send('PUT', '/Client/conf-no-secret', { body: code({ secret_required: true }) });
      assert.match(await secretOf(put.body.id), /^[A-Za-z0-9_-]{43}$/);
      const post = await send('POST', '/Client', { body: code({}) });
      assert.match(await secretOf(post.body.id), /^[A-Za-z0-9_-]{43}$/, 'no pkce/public flag: confidential');
      assert.notEqual(await secretOf(put.body.id), await secretOf(post.body.id));
      const pub = await send('POST', '/Client', { body: code({ pkce: true }) });
      assert.equal(await secretOf(pub.body.id), undefined);
    });

    it('accepts inline public jwks, first_party, 3600000-second lifetimes, and an https redirect with a query', async () => {
      const res = await send('POST', '/Client', {
        body: {
          ...backend({ jwks: { keys: [{ kty: 'EC', crv: 'P-384', x: 'abc', y: 'def', kid: 'k1' }] } }),
          first_party: true,
          name: 'Backend',
          auth: { client_credentials: { client_assertion_types: [JWT_BEARER], access_token_expiration: 3600000 } },
        },
      });
      assert.equal(res.status, 201, res.text);
      assert.equal(res.body.first_party, true);
      assert.equal(res.body.auth.client_credentials.access_token_expiration, 3600000);
      const native = await send('POST', '/Client', { body: code({ redirect_uri: 'com.example.app:/oauth2redirect?x=1', pkce: true }) });
      assert.equal(native.status, 201, native.text);
    });
  });
}
