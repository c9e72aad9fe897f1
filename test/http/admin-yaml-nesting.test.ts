import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminHttp, type AdminResponse } from '../auth/support/admin-http.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

/**
 * YAML bodies of the admin API and /rpc are measured before they are parsed, as JSON bodies are
 * (MAX_JSON_DEPTH): the YAML parser recurses once per level, and a body some hundreds of levels deep
 * overflowed its stack, after which a later request could take the whole process down.
 */

const CLIENT_YAML = `type: patient-facing-smart-app
active: true
grant_types:
- authorization_code
auth:
  authorization_code:
    pkce: true
    redirect_uri: 'https://app.example.org/callback'
    refresh_token: true
    secret_required: false
`;

/** Ways to nest deeply: flow collections, compact block sequences, indented block mappings. */
const DEEP_BODIES: Record<string, string> = {
  'flow sequences': `${'['.repeat(5000)}${']'.repeat(5000)}`,
  'flow mappings': `${'{a: '.repeat(3000)}1${'}'.repeat(3000)}`,
  'compact block sequences': `${'- '.repeat(3000)}x\n`,
  'indented block mappings': Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n') + ' x\n',
};

function assertTooDeep(res: AdminResponse, what: string): void {
  assert.equal(res.status, 400, `${what}: ${res.text.slice(0, 300)}`);
  assert.equal(res.body.resourceType, 'OperationOutcome', what);
  assert.match(String(res.body.issue?.[0]?.diagnostics), /YAML body is nested deeper than 64 levels/, what);
}

for (const driver of drivers) {
  describe(`YAML bodies nested too deep (${driver})`, () => {
    let portico: TestPortico;
    let send: ReturnType<typeof adminHttp>;

    before(async () => {
      portico = await startPortico(driver);
      send = adminHttp(portico.app);
    });
    after(() => portico.stop());

    it('the admin API refuses them with a 400 OperationOutcome, again and again, and goes on serving; nothing is stored', async () => {
      const ok = await send('PUT', '/Client/yaml-app', { body: CLIENT_YAML, contentType: 'text/yaml' });
      assert.equal(ok.status, 201, ok.text);

      for (let round = 0; round < 3; round++) {
        for (const [shape, body] of Object.entries(DEEP_BODIES)) {
          assertTooDeep(await send('PUT', '/Client/deep-app', { body, contentType: 'text/yaml' }), `${shape}, round ${round}`);
        }
      }
      assert.equal((await send('GET', '/Client/deep-app')).status, 404);
      const again = await send('PUT', '/Client/yaml-app', { body: CLIENT_YAML, contentType: 'text/yaml' });
      assert.equal(again.status, 200, again.text);
      assert.equal((await send('GET', '/Client/yaml-app')).body.auth.authorization_code.redirect_uri, 'https://app.example.org/callback');
    });

    it('/rpc refuses them with its own 400, and goes on serving', async () => {
      for (const [shape, body] of Object.entries(DEEP_BODIES)) {
        const res = await send('POST', '/rpc', { body, contentType: 'text/yaml' });
        assert.equal(res.status, 400, `${shape}: ${res.text.slice(0, 300)}`);
        assert.match(String(res.body.error?.message), /YAML body is nested deeper than 64 levels/, shape);
      }
      const rpc = await send('POST', '/rpc', {
        body: 'method: smartbox.portal.developer.rpc/save-developer-application\nparams:\n  confidentiality:\n    value: public\n  name: after-deep\n  redirect-url: https://after.example.org/cb\n',
        contentType: 'text/yaml',
      });
      assert.equal(rpc.status, 200, rpc.text);
    });
  });

  describe(`YAML nesting follows MAX_JSON_DEPTH (${driver})`, () => {
    let portico: TestPortico;
    let send: ReturnType<typeof adminHttp>;

    before(async () => {
      portico = await startPortico(driver, { MAX_JSON_DEPTH: '4' });
      send = adminHttp(portico.app);
    });
    after(() => portico.stop());

    it('a body within the limit is parsed; the same Client indented one level deeper than the limit is refused', async () => {
      const shallow = 'type: smart-app\nactive: true\ngrant_types: [client_credentials]\nscope: [system/*.rs]\nsecret: a-secret-long-enough-1234\n';
      const ok = await send('PUT', '/Client/shallow-app', { body: shallow, contentType: 'text/yaml' });
      assert.equal(ok.status, 201, ok.text);
      // `    redirect_uri: …` is four columns and one indicator: five, over a limit of four.
      const res = await send('PUT', '/Client/yaml-app', { body: CLIENT_YAML, contentType: 'text/yaml' });
      assert.equal(res.status, 400, res.text);
      assert.match(String(res.body.issue?.[0]?.diagnostics), /nested deeper than 4 levels/);
      assert.equal((await send('GET', '/Client/yaml-app')).status, 404);
    });
  });
}
