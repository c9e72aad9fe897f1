import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { adminHttp, type AdminResponse } from '../auth/support/admin-http.ts';
import { testKey } from '../auth/support/client-auth-fixtures.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

/**
 * YAML bodies of the admin API and /rpc are measured before they are parsed, as JSON bodies are
 * (MAX_JSON_DEPTH): the YAML parser recurses once per level, and a body some hundreds of levels deep
 * overflowed its stack, after which a later request could take the whole process down. The parsed value is
 * measured again: aliases nest it deeper than its text.
 */

const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
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

/**
 * The same shapes after a plain scalar holding a quote (`it's`, `say "hi"`), which opens no quoted scalar, and
 * with the quote's pair further down: read as a quoted scalar, the deep part in between was never measured.
 */
const behindQuotes = (deep: string, quote: "'" | '"') => `name: ${quote === "'" ? "it's" : 'say "hi"'}\nvalue: ${deep}\nend: ok${quote}\n`;
const QUOTE_BODIES: Record<string, string> = {
  "flow sequences behind it's": behindQuotes(`${'['.repeat(5000)}${']'.repeat(5000)}`, "'"),
  "flow mappings behind it's": behindQuotes(`${'{a: '.repeat(3000)}1${'}'.repeat(3000)}`, "'"),
  'flow sequences behind say "hi"': behindQuotes(`${'['.repeat(5000)}${']'.repeat(5000)}`, '"'),
  "compact block sequences behind it's": `name: it's\nvalue:\n${'- '.repeat(3000)}x\nend: ok'\n`,
  "indented block mappings behind it's": `name: it's\n${Array.from({ length: 1000 }, (_, i) => `${' '.repeat(i)}k${i}:`).join('\n')} x\nend: ok'\n`,
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

  describe(`YAML nesting measured as the parser reads it (${driver})`, () => {
    let portico: TestPortico;
    let send: ReturnType<typeof adminHttp>;

    before(async () => {
      portico = await startPortico(driver);
      send = adminHttp(portico.app);
    });
    after(() => portico.stop());

    it("a quote inside a plain scalar (it's) hides nothing: the nesting after it is refused, three rounds, on both surfaces", async () => {
      const quoted = await send('PUT', '/Client/quoted-app', { body: `${CLIENT_YAML}name: it's "quoted"\ndescription: ok'\n`, contentType: 'text/yaml' });
      assert.equal(quoted.status, 201, `positive control: ${quoted.text}`);
      assert.equal((await send('GET', '/Client/quoted-app')).body.name, `it's "quoted"`);

      for (let round = 0; round < 3; round++) {
        for (const [shape, body] of Object.entries(QUOTE_BODIES)) {
          assertTooDeep(await send('PUT', '/Client/deep-app', { body, contentType: 'text/yaml' }), `${shape}, round ${round}`);
          const rpc = await send('POST', '/rpc', { body, contentType: 'text/yaml' });
          assert.equal(rpc.status, 400, `${shape}: ${rpc.text.slice(0, 300)}`);
          assert.match(String(rpc.body.error?.message), /YAML body is nested deeper than 64 levels/, shape);
        }
      }
      assert.equal((await send('GET', '/Client/deep-app')).status, 404);
      assert.equal((await send('PUT', '/Client/quoted-app', { body: `${CLIENT_YAML}name: after\n`, contentType: 'text/yaml' })).status, 200);
    });

    it('aliases are refused, whatever they would build (a copy, a cycle, a deep chain, a 25-fold expansion): nothing stored', async () => {
      // Positive control: an anchor alone is harmless, and the value written out twice is stored.
      const written = await send('PUT', '/Client/aliased-app', { body: `${CLIENT_YAML}name: &n aliased\ndescription: aliased\n`, contentType: 'text/yaml' });
      assert.equal(written.status, 201, `positive control: ${written.text}`);
      assert.equal((await send('GET', '/Client/aliased-app')).body.description, 'aliased');

      // Each anchor nests the previous one 60 levels deeper: a text 61 levels deep makes a value of 300.
      const chained = ['a0: &a0 [1]', ...Array.from({ length: 5 }, (_, i) => `a${i + 1}: &a${i + 1} ${'['.repeat(60)}*a${i}${']'.repeat(60)}`)].join('\n');
      // 400 anchors of 1,000 items, each repeated 25 times: 0.9 MB of YAML that parsed into 42 MB of JSON.
      const expanded = Array.from({ length: 400 }, (_, i) => `  a${i}: &a${i} [${Array(1000).fill('x').join(',')}]\n  b${i}: [${Array(25).fill(`*a${i}`).join(',')}]`).join('\n');
      const bodies = {
        'a copy': `${CLIENT_YAML}name: &n aliased\ndescription: *n\n`,
        'a cycle': `${CLIENT_YAML}name: &n [*n]\n`,
        'a cycle of mappings': `${CLIENT_YAML}details: &d\n  self: *d\n`,
        chained: `${CLIENT_YAML}details:\n${chained.replace(/^/gm, '  ')}\n`,
        expanded: `${CLIENT_YAML}details:\n${expanded}\n`,
      };
      for (const [shape, body] of Object.entries(bodies)) {
        for (const [method, url] of [['PUT', '/Client/aliased-app'], ['PUT', '/Client/never-stored'], ['POST', '/rpc']] as const) {
          const res = await send(method, url, { body, contentType: 'text/yaml' });
          assert.equal(res.status, 400, `${shape} ${url}: ${res.text.slice(0, 300)}`);
          assert.match(url === '/rpc' ? String(res.body.error?.message) : String(res.body.issue?.[0]?.diagnostics), /^The body is not valid YAML: Aliases are not accepted \(\*\w+\); write the value out$/, shape);
        }
      }
      assert.equal((await send('GET', '/Client/aliased-app')).body.description, 'aliased', 'unchanged');
      assert.equal((await send('GET', '/Client/never-stored')).status, 404);
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

    it('a Client nested as deep as the limit is parsed; the same Client one level deeper is refused, nothing stored', async () => {
      const key = (await testKey('k1', 'ES384')).publicJwk;
      // Four levels: the Client, jwks, its keys, a key (and the Client, auth, client_credentials, a list).
      const client = (jwk: Record<string, unknown>) =>
        `type: bulk-api-client\ngrant_types: [client_credentials]\nscope: [system/*.rs]\nauth:\n  client_credentials:\n    client_assertion_types:\n    - ${JWT_BEARER}\njwks:\n  keys:\n  - ${JSON.stringify(jwk)}\n`;
      const ok = await send('PUT', '/Client/four-levels', { body: client(key), contentType: 'text/yaml' });
      assert.equal(ok.status, 201, ok.text);
      // A key's key_ops list is the fifth.
      const res = await send('PUT', '/Client/five-levels', { body: client({ ...key, key_ops: ['verify'] }), contentType: 'text/yaml' });
      assert.equal(res.status, 400, res.text);
      assert.match(String(res.body.issue?.[0]?.diagnostics), /^The YAML body is nested deeper than 4 levels$/);
      assert.equal((await send('GET', '/Client/five-levels')).status, 404);
    });
  });

  describe(`YAML mapping keys (${driver})`, () => {
    let portico: TestPortico;
    let send: ReturnType<typeof adminHttp>;

    before(async () => {
      portico = await startPortico(driver);
      send = adminHttp(portico.app);
    });
    after(() => portico.stop());

    it('a key repeated in one mapping, or a key that is not a plain value, is a 400 on both surfaces, nothing stored', async () => {
      const ok = await send('PUT', '/Client/keys-app', { body: CLIENT_YAML, contentType: 'text/yaml' });
      assert.equal(ok.status, 201, ok.text);
      const bodies = {
        'a repeated top-level key': `${CLIENT_YAML}active: false\n`,
        'a repeated key in a nested mapping': CLIENT_YAML.replace('    pkce: true\n', '    pkce: true\n    pkce: false\n'),
        'a repeated key in a flow mapping': `${CLIENT_YAML}smart: {launch_uri: 'https://a.example.org', launch_uri: 'https://b.example.org'}\n`,
        'a collection as a key': `${CLIENT_YAML}? [a, b]\n: 1\n`,
      };
      for (const [what, body] of Object.entries(bodies)) {
        const res = await send('PUT', '/Client/keys-app', { body, contentType: 'text/yaml' });
        assert.equal(res.status, 400, `${what}: ${res.text}`);
        assert.match(String(res.body.issue?.[0]?.diagnostics), /Map keys must be (unique|plain values)/, what);
        const rpc = await send('POST', '/rpc', { body: `method: x\nmethod: y\n`, contentType: 'text/yaml' });
        assert.equal(rpc.status, 400, rpc.text);
      }
      const stored = await send('GET', '/Client/keys-app');
      assert.equal(stored.body.active, true);
      assert.equal(stored.body.auth.authorization_code.pkce, true);
    });
  });
}
