import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { InjectOptions } from 'fastify';
import { ConfigError, loadConfig } from '../../src/config.ts';
import { basic, ROOT } from '../auth/support/admin-http.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

const APP_ORIGIN = 'https://app.example.org';
const ROOT_AUTH = basic(ROOT.id, ROOT.secret);

function request(portico: TestPortico, method: InjectOptions['method'], url: string, headers: Record<string, string> = {}, payload?: string) {
  return portico.app.inject({ method, url, headers: { origin: APP_ORIGIN, ...headers }, ...(payload !== undefined ? { payload } : {}) });
}

/** A browser's preflight before a cross-origin request with a bearer token. */
function preflight(portico: TestPortico, url: string, method = 'POST') {
  return request(portico, 'OPTIONS', url, {
    'access-control-request-method': method,
    'access-control-request-headers': 'authorization, content-type',
  });
}

for (const driver of drivers) {
  describe(`CORS, any origin by default (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver);
    });
    after(() => portico.stop());

    it('discovery, JWKS and the CapabilityStatement are readable from any origin', async () => {
      for (const url of ['/fhir/.well-known/smart-configuration', '/.well-known/smart-configuration', '/.well-known/openid-configuration', '/.well-known/jwks.json', '/fhir/metadata']) {
        const res = await request(portico, 'GET', url);
        assert.equal(res.statusCode, 200, url);
        assert.equal(res.headers['access-control-allow-origin'], '*', url);
      }
    });

    it('FHIR responses, errors included, carry CORS and expose the FHIR headers', async () => {
      const created = await request(portico, 'POST', '/fhir/Patient', { 'content-type': 'application/fhir+json', authorization: ROOT_AUTH }, JSON.stringify({ resourceType: 'Patient' }));
      assert.equal(created.statusCode, 201);
      assert.equal(created.headers['access-control-allow-origin'], '*');
      const exposed = String(created.headers['access-control-expose-headers']).split(/,\s*/);
      for (const header of ['Location', 'ETag', 'Content-Location', 'Last-Modified', 'WWW-Authenticate']) assert.ok(exposed.includes(header), header);

      for (const [url, status] of [['/fhir/Patient/does-not-exist', 404], ['/fhir/NotAType', 404], ['/fhir/Patient?_count=abc', 400]] as const) {
        const res = await request(portico, 'GET', url, { authorization: ROOT_AUTH });
        assert.equal(res.statusCode, status, url);
        assert.equal(res.json<{ resourceType: string }>().resourceType, 'OperationOutcome');
        assert.equal(res.headers['access-control-allow-origin'], '*', url);
      }
    });

    it('OAuth responses and errors carry CORS', async () => {
      const bad = await request(portico, 'POST', '/auth/register', { 'content-type': 'application/json' }, '{"redirect_uris": 5}');
      assert.equal(bad.statusCode, 400);
      assert.match(bad.json<{ error: string }>().error, /^invalid_/);
      assert.equal(bad.headers['access-control-allow-origin'], '*');
      const unauthorized = await request(portico, 'GET', '/auth/register/nobody', { authorization: 'Bearer wrong' });
      assert.equal(unauthorized.statusCode, 401);
      assert.equal(unauthorized.headers['access-control-allow-origin'], '*');
    });

    it('answers preflights on the FHIR API and the token-side endpoints', async () => {
      for (const [url, method] of [
        ['/fhir/Patient', 'POST'],
        ['/fhir/Patient/123', 'PUT'],
        ['/fhir/.well-known/smart-configuration', 'GET'],
        ['/auth/token', 'POST'],
        ['/auth/introspect', 'POST'],
        ['/auth/revoke', 'POST'],
        ['/auth/userinfo', 'GET'],
        ['/auth/register', 'POST'],
      ] as const) {
        const res = await preflight(portico, url, method);
        assert.equal(res.statusCode, 204, url);
        assert.equal(res.headers['access-control-allow-origin'], '*', url);
        assert.ok(String(res.headers['access-control-allow-methods']).split(/,\s*/).includes(method), url);
        const allowed = String(res.headers['access-control-allow-headers']).toLowerCase().split(/,\s*/);
        for (const header of ['authorization', 'content-type', 'prefer', 'if-match', 'if-none-exist']) assert.ok(allowed.includes(header), `${url} ${header}`);
        assert.equal(res.headers['access-control-allow-credentials'], undefined);
      }
    });

    it('the admin API, RPC, initial access tokens and the authorize page get no CORS at all', async () => {
      // The control: the same cross-origin requests to CORS-enabled endpoints get the headers.
      const discovery = await request(portico, 'GET', '/.well-known/smart-configuration');
      assert.equal(discovery.statusCode, 200);
      assert.equal(discovery.headers['access-control-allow-origin'], '*');
      const tokenPreflight = await preflight(portico, '/auth/token');
      assert.equal(tokenPreflight.statusCode, 204);
      assert.equal(tokenPreflight.headers['access-control-allow-origin'], '*');
      assert.ok(tokenPreflight.headers['access-control-allow-methods']);

      const client = await request(portico, 'PUT', '/Client/cors-check', { authorization: ROOT_AUTH, 'content-type': 'application/json' }, JSON.stringify({ grant_types: ['client_credentials'] }));
      assert.equal(client.statusCode, 201, client.body);
      const rpc = JSON.stringify({ method: 'smartbox.portal.developer.rpc/save-developer-application', params: { confidentiality: 'public', name: 'cors', 'redirect-url': 'https://cors.example/cb' } });
      // Each endpoint answers as it does for any caller (so a 404 cannot pass for "no CORS"), without CORS headers.
      for (const [method, url, status, payload] of [
        ['GET', '/Client', 200],
        ['GET', '/Client/cors-check', 200],
        ['GET', '/User', 200],
        ['GET', '/AccessPolicy', 200],
        ['POST', '/rpc', 200, rpc],
        ['POST', '/auth/initial-access-token', 201, '{}'],
        ['GET', '/auth/authorize?client_id=cors-check', 400],
        ['GET', '/auth/apps', 303],
      ] as const) {
        const res = await request(portico, method, url, { authorization: ROOT_AUTH, 'content-type': 'application/json' }, payload);
        assert.equal(res.statusCode, status, `${method} ${url}: ${res.body}`);
        assert.equal(res.headers['access-control-allow-origin'], undefined, `${method} ${url}`);
        assert.equal(res.headers['access-control-expose-headers'], undefined, `${method} ${url}`);
      }
      // Their preflights are not answered: no route takes OPTIONS there, and the CORS hook leaves them alone.
      for (const url of ['/Client', '/Client/cors-check', '/rpc', '/auth/initial-access-token', '/auth/authorize', '/auth/apps']) {
        const res = await preflight(portico, url);
        assert.equal(res.statusCode, 404, url);
        assert.equal(res.headers['access-control-allow-origin'], undefined, url);
        assert.equal(res.headers['access-control-allow-methods'], undefined, url);
        assert.equal(res.headers['access-control-allow-headers'], undefined, url);
      }
    });
  });

  describe(`CORS, CORS_ALLOWED_ORIGINS set (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, { CORS_ALLOWED_ORIGINS: `${APP_ORIGIN}, http://localhost:3000` });
    });
    after(() => portico.stop());

    it('reflects a listed origin, with Vary: Origin', async () => {
      const res = await request(portico, 'GET', '/fhir/metadata');
      assert.equal(res.headers['access-control-allow-origin'], APP_ORIGIN);
      assert.match(String(res.headers.vary), /Origin/);
      const pre = await preflight(portico, '/auth/token');
      assert.equal(pre.statusCode, 204);
      assert.equal(pre.headers['access-control-allow-origin'], APP_ORIGIN);
    });

    it('grants nothing to an unlisted origin', async () => {
      const res = await request(portico, 'GET', '/.well-known/smart-configuration', { origin: 'https://evil.example.com' });
      assert.equal(res.statusCode, 200);
      assert.equal(res.headers['access-control-allow-origin'], undefined);
      assert.match(String(res.headers.vary), /Origin/);
      const pre = await portico.app.inject({
        method: 'OPTIONS',
        url: '/fhir/Patient',
        headers: { origin: 'https://evil.example.com', 'access-control-request-method': 'GET' },
      });
      assert.equal(pre.headers['access-control-allow-origin'], undefined);
      assert.equal(pre.headers['access-control-allow-methods'], undefined);
    });
  });
}

describe('CORS_ALLOWED_ORIGINS setting', () => {
  it('defaults to any origin, accepts * or a list of origins, and refuses anything that is not an origin', () => {
    assert.equal(loadConfig({}).cors.allowedOrigins, '*');
    assert.equal(loadConfig({ CORS_ALLOWED_ORIGINS: '*' }).cors.allowedOrigins, '*');
    assert.deepEqual(loadConfig({ CORS_ALLOWED_ORIGINS: 'https://a.example, http://localhost:3000' }).cors.allowedOrigins, [
      'https://a.example',
      'http://localhost:3000',
    ]);
    for (const bad of ['https://a.example/', 'https://a.example/path', 'a.example', 'ftp://a.example', '*, https://a.example', ',']) {
      assert.throws(() => loadConfig({ CORS_ALLOWED_ORIGINS: bad }), ConfigError, bad);
    }
  });
});
