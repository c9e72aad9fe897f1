import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

const SAVE = 'smartbox.portal.developer.rpc/save-developer-application';
const params = {
  confidentiality: 'confidential',
  name: 'my-app',
  'redirect-url': 'https://my-app.example.org/cb',
};

for (const driver of drivers) {
  describe(`POST /rpc (${driver})`, () => {
    let portico: TestPortico;
    let send: ReturnType<typeof adminHttp>;
    before(async () => {
      portico = await startPortico(driver);
      send = adminHttp(portico.app);
    });
    after(() => portico.stop());

    it('accepts confidentiality as a plain string, and the prose names application-name / launch-uri', async () => {
      const res = await send('POST', '/rpc', {
        body: { method: SAVE, params: { confidentiality: 'public', 'application-name': 'named', 'redirect-url': 'https://a.example.org/cb', 'launch-uri': 'https://a.example.org/launch' } },
      });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.result.name, 'named');
      assert.equal(res.body.result.smart.launch_uri, 'https://a.example.org/launch');
      assert.equal(res.body.result.secret, undefined);
      assert.equal(res.body.result.owner, undefined, 'the root client is no owner');
    });

    it('creates a new Client on every call, each with its own secret', async () => {
      const a = await send('POST', '/rpc', { body: { method: SAVE, params } });
      const b = await send('POST', '/rpc', { body: { method: SAVE, params } });
      assert.notEqual(a.body.result.id, b.body.result.id);
      // The RPC answers without it; the root client reads it by id.
      const [secretA, secretB] = await Promise.all([a, b].map(async (r) => (await send('GET', `/Client/${r.body.result.id}`)).body.secret));
      assert.match(secretA, /^[A-Za-z0-9_-]{43}$/);
      assert.match(secretB, /^[A-Za-z0-9_-]{43}$/);
      assert.notEqual(secretA, secretB);
    });

    it('a developer signs in with email and password: their applications record them as owner', async () => {
      const dev = await send('POST', '/User', { body: { resourceType: 'User', email: 'dev@apps.example', password: 'correct horse battery', roles: ['developer'] } });
      assert.equal(dev.status, 201, dev.text);
      const plain = await send('POST', '/User', { body: { resourceType: 'User', email: 'plain@apps.example', password: 'correct horse battery' } });
      assert.equal(plain.status, 201, plain.text);

      const saved = await send('POST', '/rpc', { body: { method: SAVE, params }, authorization: basic('dev@apps.example', 'correct horse battery') });
      assert.equal(saved.status, 200, saved.text);
      assert.equal(saved.body.result.owner, `User/${dev.body.id}`);
      assert.equal((await send('GET', `/Client/${saved.body.result.id}`)).body.owner, `User/${dev.body.id}`);

      for (const [who, password] of [['dev@apps.example', 'wrong password'], ['plain@apps.example', 'correct horse battery'], ['nobody@apps.example', 'x']]) {
        const refused = await send('POST', '/rpc', { body: { method: SAVE, params }, authorization: basic(who ?? '', password ?? '') });
        assert.equal(refused.status, 401, `${who}: ${refused.text}`);
      }
      // The developer portal's method only: the admin API still needs a policy.
      assert.equal((await send('GET', '/Client', { authorization: basic('dev@apps.example', 'correct horse battery') })).status, 403);
    });

    const errors: [string, unknown, number, RegExp, string?][] = [
      ['unknown method', { method: 'no.such/method', params: {} }, 404, /unknown method no\.such\/method/],
      ['no method', { params }, 400, /method is required/, 'method'],
      ['body not an object', ['x'], 400, /must be an object/],
      ['params missing', { method: SAVE }, 422, /params must be an object/, 'params'],
      ['bad confidentiality', { method: SAVE, params: { ...params, confidentiality: { value: 'secretive' } } }, 422, /confidentiality/, 'confidentiality'],
      ['missing name', { method: SAVE, params: { ...params, name: undefined } }, 422, /name is required/, 'name'],
      ['missing redirect-url', { method: SAVE, params: { ...params, 'redirect-url': undefined } }, 422, /redirect-url is required/, 'redirect-url'],
      ['redirect-url with a fragment', { method: SAVE, params: { ...params, 'redirect-url': 'https://a/cb#x' } }, 422, /fragment/, 'redirect-url'],
      ['malformed logo-url', { method: SAVE, params: { ...params, 'logo-url': 'logo' } }, 422, /http/, 'logo-url'],
      ['a param of the wrong type', { method: SAVE, params: { ...params, name: 42 } }, 422, /name must be a string/, 'name'],
      ['an unknown param', { method: SAVE, params: { ...params, colour: 'blue' } }, 422, /unknown param\(s\): colour/, 'colour'],
    ];
    for (const [problem, body, status, message, param] of errors) {
      it(`${status} { error } for ${problem}`, async () => {
        const res = await send('POST', '/rpc', { body });
        assert.equal(res.status, status, res.text);
        assert.match(res.body.error.message, message);
        if (param) assert.equal(res.body.error.param, param);
      });
    }

    it('400 { error } for a malformed YAML or JSON body, 404 for GET /rpc', async () => {
      const yaml = await send('POST', '/rpc', { body: 'method: [', contentType: 'text/yaml' });
      assert.equal(yaml.status, 400);
      assert.match(yaml.body.error.message, /YAML/);
      const json = await send('POST', '/rpc', { body: '{"method":', contentType: 'application/json' });
      assert.equal(json.status, 400);
      assert.ok(json.body.error.message);
      assert.equal((await send('GET', '/rpc')).status, 404);
    });

    it('a Client may call a method an AccessPolicy links it to (an Operation link names the method)', async () => {
      await send('PUT', '/Client/portal', { body: { type: 'client', grant_types: ['client_credentials'], secret: 'portal-secret-123' } });
      const asPortal = basic('portal', 'portal-secret-123');
      const denied = await send('POST', '/rpc', { authorization: asPortal, body: { method: SAVE, params } });
      assert.equal(denied.status, 403);
      assert.ok(denied.body.error.message);
      await send('PUT', '/AccessPolicy/portal-save', {
        body: { engine: 'matcho', link: [{ resourceType: 'Client', id: 'portal' }], matcho: { operation: { id: SAVE } } },
      });
      const allowed = await send('POST', '/rpc', { authorization: asPortal, body: { method: SAVE, params } });
      assert.equal(allowed.status, 200, allowed.text);
    });
  });
}
