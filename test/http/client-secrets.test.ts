import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { hashToken } from '../../src/auth/tokens/token-hash.ts';
import { secretKeyId } from '../../src/auth/secrets/secret-cipher.ts';
import type { Database } from '../../src/storage/database.ts';
import type { Portico } from '../../src/portico.ts';
import { adminHttp, basic, type AdminResponse } from '../auth/support/admin-http.ts';
import { persistentDatabase, withPortico, type PersistentDatabase } from '../support/persistent-database.ts';
import { drivers, startPortico, startSibling, type TestPortico } from '../support/portico.ts';

/**
 * Client secrets at rest: stored encrypted (AES-256-GCM under SECRETS_KEY, bound to the Client's id),
 * shown only to the root client's read of one Client and once to whoever rotates it, never cached by
 * an HTTP cache; older keys keep decrypting (SECRETS_KEY_PREVIOUS), clear text left by an older version
 * is encrypted at start, and a key that does not fit makes the client fail to authenticate, never a 500.
 */

// Seed 000: "Client with predefined secret and id", as written (indentation restored).
const INFERNO_ID = 'inferno-confidential-patient-smart-app';
const INFERNO_SECRET = 'inferno-confidential-patient-smart-app-secret';
const INFERNO_REDIRECT = 'https://inferno.healthit.gov/suites/custom/smart/redirect';
const SEED_000_PUT_CLIENT = `secret: inferno-confidential-patient-smart-app-secret
type: patient-facing-smart-app
active: true
grant_types:
- authorization_code
auth:
  authorization_code:
    pkce: false
    redirect_uri: 'https://inferno.healthit.gov/suites/custom/smart/redirect'
    refresh_token: true
    secret_required: true
    access_token_expiration: 300
smart:
  launch_uri: 'https://inferno.healthit.gov/suites/custom/smart/launch'
`;
// Seed 000: "Client without predefined secret and id (patient confidential app)".
const SEED_000_RPC_CONFIDENTIAL = `method: smartbox.portal.developer.rpc/save-developer-application
params:
  confidentiality:
    value: confidential
  name: some-app-name
  description: some-app-name
  redirect-url: http://redirect
  launch-url: http://launch
  logo-url: http://logo
  org-name: org-name
  org-url: http://org
  policy-url: http://policy
  tos-url: http://tos
`;
const RPC_REDIRECT = 'http://redirect';
const SAVE = 'smartbox.portal.developer.rpc/save-developer-application';

/** The stored form: v1.<key id>.<iv>.<ciphertext>.<tag>. */
const SEALED = /^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/;
const GENERATED = /^[A-Za-z0-9_-]{43}$/;
const KEY_1 = 'a1'.repeat(32);
const KEY_2 = randomBytes(32).toString('base64');
const keyIdOf = (hex: string) => secretKeyId(Buffer.from(hex, 'hex'));

type Json = Record<string, unknown>;

/** The Client's row as stored, read through the database handle. */
async function storedContent(db: Database, id: string): Promise<{ text: string; content: Json; versionId: number }> {
  const rows = await db.query<{ content: string; version_id: number }>('SELECT content::text AS content, version_id FROM auth_client WHERE id = $1', [id]);
  const row = rows[0];
  assert.ok(row, `no auth_client row ${id}`);
  return { text: row.content, content: JSON.parse(row.content) as Json, versionId: Number(row.version_id) };
}

function form(app: FastifyInstance, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
  return app.inject({
    method: 'POST',
    url: '/auth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    payload: new URLSearchParams(fields).toString(),
  });
}

/** A code the authorize endpoint would have issued to this client, for the exchange at /auth/token. */
async function issueCode(p: Portico, clientId: string, redirectUri: string): Promise<string> {
  // A grant is stored only for a User that exists and is active: the code's user-1 (an idempotent PUT).
  const user = await p.app.inject({
    method: 'PUT',
    url: '/User/user-1',
    headers: { authorization: basic('root', 'secret'), 'content-type': 'application/json' },
    payload: JSON.stringify({ resourceType: 'User', name: { givenName: 'Amy', familyName: 'Shaw' }, email: 'amy@example.org', fhirUser: 'Patient/pt-1' }),
  });
  assert.ok(user.statusCode === 200 || user.statusCode === 201, user.body);
  const code = randomBytes(32).toString('base64url');
  await p.codes.create(hashToken(code), {
    grant: { id: randomUUID(), clientId, userId: 'user-1', fhirUser: 'Patient/pt-1', patient: 'pt-1', scope: 'launch/patient patient/Patient.rs' },
    redirectUri,
    expiresAt: Math.floor(Date.now() / 1000) + 60,
  });
  return code;
}

/** The authorization-code exchange of a confidential client, authenticating with client_secret_basic (or _post). */
function exchange(p: Portico, code: string, clientId: string, secret: string, redirectUri: string, method: 'basic' | 'post' = 'basic') {
  const fields = { grant_type: 'authorization_code', code, redirect_uri: redirectUri };
  return method === 'basic'
    ? form(p.app, fields, { authorization: basic(clientId, secret) })
    : form(p.app, { ...fields, client_id: clientId, client_secret: secret });
}

/** A fresh code exchanged: 200 when the client authenticates with this secret. */
async function codeExchange(p: Portico, clientId: string, secret: string, redirectUri: string, method: 'basic' | 'post' = 'basic') {
  return exchange(p, await issueCode(p, clientId, redirectUri), clientId, secret, redirectUri, method);
}

/** client_credentials with client_secret_basic. */
const clientCredentials = (app: FastifyInstance, clientId: string, secret: string) =>
  form(app, { grant_type: 'client_credentials', scope: 'system/Patient.rs' }, { authorization: basic(clientId, secret) });

const backendClient = (secret?: string) => ({ resourceType: 'Client', ...(secret !== undefined ? { secret } : {}), grant_types: ['client_credentials'], scope: ['system/Patient.rs'] });

function assertInvalidClient(res: LightMyRequestResponse, label = '') {
  assert.equal(res.statusCode, 401, `${label} ${res.body}`);
  assert.equal(res.json().error, 'invalid_client', label);
  assert.equal(res.headers['cache-control'], 'no-store');
}

function assertNoStore(res: { headers: Record<string, unknown> }, label: string) {
  assert.equal(res.headers['cache-control'], 'no-store', label);
  assert.equal(res.headers.pragma, 'no-cache', label);
}

/** An admin API answer with this status, and no cache may keep it. */
function expectStatus(res: AdminResponse, status: number, label: string) {
  assert.equal(res.status, status, `${label}: ${res.text}`);
  assertNoStore(res, label);
}

for (const driver of drivers) {
  describe(`client secrets: encrypted at rest, shown to the root client's read by id only, rotatable (${driver})`, () => {
    let portico: TestPortico;
    let send: ReturnType<typeof adminHttp>;
    /** Every clear secret this suite handles: none may be found in the database. */
    const clearSecrets = new Set<string>([INFERNO_SECRET]);
    const remember = (secret: string) => {
      clearSecrets.add(secret);
      return secret;
    };

    before(async () => {
      // A long Client cache: a rotation must still take effect at once through this process.
      portico = await startPortico(driver, { CLIENT_CACHE_MS: '60000', SECRETS_KEY: KEY_1 });
      send = adminHttp(portico.app);
    });
    after(() => portico.stop());

    it('seed 000: the Inferno client PUT with its predefined secret (YAML) authenticates with it; stored encrypted; lists omit it; the root read by id shows it', async () => {
      const put = await send('PUT', `/Client/${INFERNO_ID}`, { body: SEED_000_PUT_CLIENT, contentType: 'text/yaml' });
      assert.equal(put.status, 201, put.text);
      assert.equal(put.body.secret, undefined, 'a write answers without the secret');
      assert.ok(!put.text.includes(INFERNO_SECRET));

      for (const method of ['basic', 'post'] as const) {
        const ok = await codeExchange(portico, INFERNO_ID, INFERNO_SECRET, INFERNO_REDIRECT, method);
        assert.equal(ok.statusCode, 200, `${method}: ${ok.body}`);
        assert.equal(typeof ok.json().access_token, 'string');
      }
      // A wrong secret is refused before the code is spent: the same code then works with the right one.
      const code = await issueCode(portico, INFERNO_ID, INFERNO_REDIRECT);
      assertInvalidClient(await exchange(portico, code, INFERNO_ID, `${INFERNO_SECRET}x`, INFERNO_REDIRECT), 'wrong secret');
      assert.equal((await exchange(portico, code, INFERNO_ID, INFERNO_SECRET, INFERNO_REDIRECT)).statusCode, 200);

      const row = await storedContent(portico.db, INFERNO_ID);
      assert.match(String(row.content.secret), SEALED);
      assert.ok(String(row.content.secret).startsWith(`v1.${keyIdOf(KEY_1)}.`), 'under SECRETS_KEY');
      assert.ok(!row.text.includes(INFERNO_SECRET), 'no clear secret in the row');

      const list = await send('GET', '/Client?_count=1000');
      assert.equal(list.status, 200, list.text);
      const listed = (list.body.entry as { resource: Json }[]).map((e) => e.resource);
      assert.ok(listed.some((c) => c.id === INFERNO_ID && (c.auth as Json | undefined) !== undefined), 'the client is listed');
      assert.ok(listed.every((c) => !('secret' in c)), 'no listed Client has a secret, even encrypted');
      assert.ok(!list.text.includes(INFERNO_SECRET) && !list.text.includes(String(row.content.secret)));

      const read = await send('GET', `/Client/${INFERNO_ID}`);
      assert.equal(read.status, 200);
      assert.equal(read.body.secret, INFERNO_SECRET, "seed 000's read of the secret by the root client");
      const yaml = await send('GET', `/Client/${INFERNO_ID}`, { contentType: 'text/yaml', accept: 'text/yaml' });
      assert.equal(yaml.status, 200);
      assert.match(String(yaml.headers['content-type']), /^text\/yaml/);
      assert.equal(yaml.body.secret, INFERNO_SECRET);
    });

    it('a Client and a developer that an AccessPolicy lets read Clients never see a secret', async () => {
      const readerSecret = remember('reader-tool-secret-1');
      assert.equal((await send('PUT', '/Client/reader-tool', { body: { ...backendClient(readerSecret), type: 'client' } })).status, 201);
      const developer = await send('POST', '/User', { body: { resourceType: 'User', email: 'reader-dev@secrets.example', password: 'reader developer password', roles: ['developer'] } });
      assert.equal(developer.status, 201, developer.text);
      const policy = await send('PUT', '/AccessPolicy/client-readers', {
        body: { engine: 'matcho', link: [{ resourceType: 'Client', id: 'reader-tool' }, { resourceType: 'User', id: developer.body.id }], matcho: { method: 'GET', uri: '#^/Client' } },
      });
      assert.equal(policy.status, 201, policy.text);

      const readers = { client: basic('reader-tool', readerSecret), developer: basic('reader-dev@secrets.example', 'reader developer password') };
      for (const [who, authorization] of Object.entries(readers)) {
        for (const id of [INFERNO_ID, 'reader-tool']) {
          const read = await send('GET', `/Client/${id}`, { authorization });
          assert.equal(read.status, 200, `${who} reads ${id}: ${read.text}`);
          assert.equal(read.body.id, id);
          assert.equal(read.body.resourceType, 'Client');
          assert.ok(!('secret' in read.body), `${who} reading ${id}`);
          assert.ok(!read.text.includes(INFERNO_SECRET) && !read.text.includes(readerSecret) && !/v1\.[0-9a-f]{8}\./.test(read.text));
          const yaml = await send('GET', `/Client/${id}`, { authorization, accept: 'text/yaml' });
          assert.equal(yaml.status, 200);
          assert.ok(!('secret' in yaml.body), `${who} reading ${id} as YAML`);
        }
        const list = await send('GET', '/Client', { authorization });
        assert.equal(list.status, 200, `${who} lists`);
        assert.ok(!list.text.includes('"secret"') && !list.text.includes(INFERNO_SECRET));
      }
      // The root client's read is unchanged by theirs.
      assert.equal((await send('GET', `/Client/${INFERNO_ID}`)).body.secret, INFERNO_SECRET);
    });

    it("seed 000: the RPC's confidential app: no secret in the answer, stored encrypted, the root client's read by id shows it, and it authenticates", async () => {
      const rpc = await send('POST', '/rpc', { body: SEED_000_RPC_CONFIDENTIAL, contentType: 'text/yaml' });
      assert.equal(rpc.status, 200, rpc.text);
      const id = String(rpc.body.result.id);
      assert.equal(rpc.body.result.auth.authorization_code.secret_required, true);
      assert.ok(!('secret' in rpc.body.result), 'the RPC answers without the secret');

      const row = await storedContent(portico.db, id);
      assert.match(String(row.content.secret), SEALED);
      assert.ok(!rpc.text.includes(String(row.content.secret)));

      // "How to get Client secret": GET /Client/{id} with Content-Type: text/yaml.
      const read = await send('GET', `/Client/${id}`, { contentType: 'text/yaml' });
      assert.equal(read.status, 200);
      const secret = remember(String(read.body.secret));
      assert.match(secret, GENERATED);
      assert.ok(!row.text.includes(secret), 'no clear secret in the row');

      assert.equal((await codeExchange(portico, id, secret, RPC_REDIRECT)).statusCode, 200);
      assertInvalidClient(await codeExchange(portico, id, INFERNO_SECRET, RPC_REDIRECT), "another client's secret");
    });

    it('POST /Client (JSON) and registration (RFC 7591) store secrets encrypted; the registration answers client_secret once; RFC 7592 reads never', async () => {
      const posted = await send('POST', '/Client', { body: { ...backendClient(remember('posted-client-secret')), type: 'client' } });
      assert.equal(posted.status, 201, posted.text);
      assert.equal(posted.body.secret, undefined);
      const postedRow = await storedContent(portico.db, String(posted.body.id));
      assert.match(String(postedRow.content.secret), SEALED);
      assert.equal((await clientCredentials(portico.app, String(posted.body.id), 'posted-client-secret')).statusCode, 200);

      const registered = await portico.app.inject({
        method: 'POST',
        url: '/auth/register',
        headers: { 'content-type': 'application/json' },
        payload: { redirect_uris: ['https://dcr.example/cb'], token_endpoint_auth_method: 'client_secret_basic' },
      });
      assert.equal(registered.statusCode, 201, registered.body);
      const reg = registered.json<Json>();
      const clientId = String(reg.client_id);
      const issued = remember(String(reg.client_secret));
      assert.match(issued, GENERATED, 'RFC 7591 §3.2.1: the registration response carries the secret');
      assert.equal(reg.client_secret_expires_at, 0);
      const regRow = await storedContent(portico.db, clientId);
      assert.match(String(regRow.content.secret), SEALED);
      assert.ok(!regRow.text.includes(issued));
      assert.equal((await codeExchange(portico, clientId, issued, 'https://dcr.example/cb')).statusCode, 200);

      const uri = new URL(String(reg.registration_client_uri)).pathname;
      const read = await portico.app.inject({ method: 'GET', url: uri, headers: { authorization: `Bearer ${String(reg.registration_access_token)}` } });
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json().client_id, clientId);
      assert.equal(read.json().client_secret, undefined, 'a registration access token does not read the secret back');
      assert.ok(!read.body.includes(issued) && !read.body.includes(String(regRow.content.secret)));

      // A public registration moving to client_secret_basic (RFC 7592 §2.2) is issued a secret in that answer, and only there.
      const pub = (
        await portico.app.inject({
          method: 'POST',
          url: '/auth/register',
          headers: { 'content-type': 'application/json' },
          payload: { redirect_uris: ['https://dcr.example/public'], token_endpoint_auth_method: 'none' },
        })
      ).json<Json>();
      assert.equal(pub.client_secret, undefined);
      const pubUri = new URL(String(pub.registration_client_uri)).pathname;
      const moved = await portico.app.inject({
        method: 'PUT',
        url: pubUri,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${String(pub.registration_access_token)}` },
        payload: { client_id: pub.client_id, redirect_uris: ['https://dcr.example/public'], token_endpoint_auth_method: 'client_secret_basic' },
      });
      assert.equal(moved.statusCode, 200, moved.body);
      const movedSecret = remember(String(moved.json().client_secret));
      assert.match(movedSecret, GENERATED);
      assert.equal((await codeExchange(portico, String(pub.client_id), movedSecret, 'https://dcr.example/public')).statusCode, 200);
      const reread = await portico.app.inject({ method: 'GET', url: pubUri, headers: { authorization: `Bearer ${String(moved.json().registration_access_token)}` } });
      assert.equal(reread.statusCode, 200, reread.body);
      assert.equal(reread.json().client_secret, undefined);
      assert.match(String((await storedContent(portico.db, String(pub.client_id))).content.secret), SEALED);
    });

    it('rotation by the root client: a new secret, once; the old one is invalid_client at once, though the Client was cached', async () => {
      const oldSecret = remember('rotate-me-old-secret');
      assert.equal((await send('PUT', '/Client/rot-root', { body: backendClient(oldSecret) })).status, 201);
      // Read (and kept for CLIENT_CACHE_MS) by the token endpoint.
      assert.equal((await clientCredentials(portico.app, 'rot-root', oldSecret)).statusCode, 200);

      const rotated = await send('POST', '/Client/rot-root/$rotate-secret');
      expectStatus(rotated, 200, 'rotate');
      assert.equal(rotated.body.resourceType, 'Client');
      assert.equal(rotated.body.id, 'rot-root');
      assert.equal(rotated.body.meta.versionId, '2');
      const newSecret = remember(String(rotated.body.secret));
      assert.match(newSecret, GENERATED);

      assertInvalidClient(await clientCredentials(portico.app, 'rot-root', oldSecret), 'the old secret');
      assert.equal((await clientCredentials(portico.app, 'rot-root', newSecret)).statusCode, 200);
      assert.equal((await send('GET', '/Client/rot-root')).body.secret, newSecret);
      const row = await storedContent(portico.db, 'rot-root');
      assert.match(String(row.content.secret), SEALED);
      assert.ok(!row.text.includes(newSecret));
    });

    it('rotation by the developer who owns the Client; anyone else is refused and nothing changes', async () => {
      const devA = { email: 'owner-a@secrets.example', password: 'owner a developer password' };
      const devB = { email: 'owner-b@secrets.example', password: 'owner b developer password' };
      for (const dev of [devA, devB]) {
        const created = await send('POST', '/User', { body: { resourceType: 'User', ...dev, roles: ['developer'] } });
        assert.equal(created.status, 201, created.text);
      }
      const asA = basic(devA.email, devA.password);
      const asB = basic(devB.email, devB.password);
      const saved = await send('POST', '/rpc', { body: { method: SAVE, params: { confidentiality: 'confidential', name: 'owned-app', 'redirect-url': RPC_REDIRECT } }, authorization: asA });
      assert.equal(saved.status, 200, saved.text);
      const appId = String(saved.body.result.id);
      assert.ok(!('secret' in saved.body.result));

      const byOwner = await send('POST', `/Client/${appId}/$rotate-secret`, { authorization: asA });
      expectStatus(byOwner, 200, 'the owner rotates');
      const secret = remember(String(byOwner.body.secret));
      assert.match(secret, GENERATED);
      assert.equal((await codeExchange(portico, appId, secret, RPC_REDIRECT)).statusCode, 200);

      // Refused: another developer (also for an id that does not exist: existence is not told), a Client an
      // AccessPolicy lets do anything, no credentials.
      const opsSecret = remember('ops-everything-secret');
      assert.equal((await send('PUT', '/Client/ops-everything', { body: { ...backendClient(opsSecret), type: 'client' } })).status, 201);
      assert.equal((await send('PUT', '/AccessPolicy/ops-everything', { body: { engine: 'allow', link: [{ resourceType: 'Client', id: 'ops-everything' }] } })).status, 201);
      assert.equal((await send('GET', '/Client', { authorization: basic('ops-everything', opsSecret) })).status, 200, 'the policy admits it');
      for (const [label, authorization, id] of [
        ['another developer', asB, appId],
        ['another developer, unknown id', asB, 'no-such-client'],
        ['a Client with an allow policy', basic('ops-everything', opsSecret), appId],
      ] as const) {
        const refused = await send('POST', `/Client/${id}/$rotate-secret`, { authorization });
        expectStatus(refused, 403, label);
        assert.equal(refused.body.issue[0].code, 'forbidden', label);
        assert.ok(!('secret' in refused.body));
      }
      const anonymous = await send('POST', `/Client/${appId}/$rotate-secret`, { authorization: null });
      expectStatus(anonymous, 401, 'no credentials');
      assert.equal(anonymous.headers['www-authenticate'], 'Basic realm="portico"');
      const wrongOwnerPassword = await send('POST', `/Client/${appId}/$rotate-secret`, { authorization: basic(devA.email, 'not the password') });
      expectStatus(wrongOwnerPassword, 401, 'the owner with a wrong password');

      // The root client: 404 for an unknown Client, 422 for one that has no secret to rotate.
      const unknown = await send('POST', '/Client/no-such-client/$rotate-secret');
      expectStatus(unknown, 404, 'unknown');
      assert.equal(unknown.body.issue[0].code, 'not-found');
      assert.equal((await send('PUT', '/Client/rot-public', { body: { grant_types: ['authorization_code'], auth: { authorization_code: { pkce: true, secret_required: false, redirect_uri: RPC_REDIRECT } } } })).status, 201);
      assert.equal((await send('PUT', '/Client/rot-jwt', { body: { type: 'bulk-api-client', grant_types: ['client_credentials'], jwks_uri: 'https://jwt.example/jwks' } })).status, 201);
      for (const id of ['rot-public', 'rot-jwt']) {
        const refused = await send('POST', `/Client/${id}/$rotate-secret`);
        expectStatus(refused, 422, id);
        assert.equal(refused.body.issue[0].code, 'business-rule');
        assert.equal((await send('GET', `/Client/${id}`)).body.secret, undefined, `${id} still has no secret`);
        assert.equal((await storedContent(portico.db, id)).content.secret, undefined);
      }

      // The owner's secret is still the one it was given.
      assert.equal((await codeExchange(portico, appId, secret, RPC_REDIRECT)).statusCode, 200);
      assert.equal((await send('GET', `/Client/${appId}`)).body.secret, secret);
    });

    it("a secret copied to another Client's row does not decrypt there: invalid_client, and the root read leaves it out", async () => {
      assert.equal((await send('PUT', '/Client/copy-from', { body: backendClient(remember('copy-from-secret')) })).status, 201);
      assert.equal((await send('PUT', '/Client/copy-to', { body: backendClient(remember('copy-to-secret')) })).status, 201);
      assert.equal((await clientCredentials(portico.app, 'copy-from', 'copy-from-secret')).statusCode, 200);
      await portico.db.query(
        `UPDATE auth_client SET content = jsonb_set(content, '{secret}', (SELECT content->'secret' FROM auth_client WHERE id = 'copy-from')) WHERE id = 'copy-to'`,
      );
      assertInvalidClient(await clientCredentials(portico.app, 'copy-to', 'copy-from-secret'), 'a copied ciphertext');
      assertInvalidClient(await clientCredentials(portico.app, 'copy-to', 'copy-to-secret'), 'the replaced secret');
      const read = await send('GET', '/Client/copy-to');
      expectStatus(read, 200, 'the root client reads it');
      assert.equal(read.body.secret, undefined);
      assert.equal((await clientCredentials(portico.app, 'copy-from', 'copy-from-secret')).statusCode, 200, 'the original still works');
    });

    it('no-store on every answer of the admin API, /rpc and the registration endpoints, errors included', async () => {
      const developer = { email: 'nostore-dev@secrets.example', password: 'no store developer password' };
      expectStatus(await send('POST', '/User', { body: { resourceType: 'User', ...developer, roles: ['developer'] } }), 201, 'POST /User');
      const asDeveloper = basic(developer.email, developer.password);
      for (const [kind, bodyOf] of [
        ['Client', () => backendClient('nostore-client-secret')],
        ['AccessPolicy', () => ({ engine: 'matcho', matcho: { uri: '/nothing' } })],
        ['User', (n: number) => ({ resourceType: 'User', email: `nostore-${n}@secrets.example`, password: 'a user password' })],
      ] as const) {
        const body = bodyOf(1);
        const created = await send('POST', `/${kind}`, { body });
        expectStatus(created, 201, `POST /${kind}`);
        const id = String(created.body.id);
        expectStatus(await send('PUT', `/${kind}/${id}`, { body }), 200, `PUT /${kind}/id`);
        expectStatus(await send('PUT', `/${kind}/nostore-new-${kind}`, { body: bodyOf(2) }), 201, `PUT /${kind}/new`);
        expectStatus(await send('GET', `/${kind}/${id}`), 200, `GET /${kind}/id`);
        expectStatus(await send('GET', `/${kind}/${id}`, { accept: 'text/yaml' }), 200, `GET /${kind}/id as YAML`);
        expectStatus(await send('GET', `/${kind}`), 200, `GET /${kind}`);
        expectStatus(await send('GET', `/${kind}/nostore-missing`), 404, `GET /${kind}/missing`);
        expectStatus(await send('GET', `/${kind}`, { authorization: null }), 401, `GET /${kind} anonymous`);
        expectStatus(await send('GET', `/${kind}`, { authorization: asDeveloper }), 403, `GET /${kind} without a policy`);
        expectStatus(await send('GET', `/${kind}?_count=x`), 400, `GET /${kind}?_count=x`);
        expectStatus(await send('PUT', `/${kind}/${id}`, { body: '{"broken', contentType: 'application/json' }), 400, `PUT /${kind} malformed`);
        expectStatus(await send('PUT', `/${kind}/${id}`, { body: { unknownField: 1 } }), 422, `PUT /${kind} invalid`);
        expectStatus(await send('PUT', `/${kind}/${id}`, { body: '<x/>', contentType: 'application/xml' }), 415, `PUT /${kind} xml`);
        expectStatus(await send('DELETE', `/${kind}/${id}`), 200, `DELETE /${kind}/id`);
      }

      expectStatus(await send('POST', '/rpc', { body: { method: SAVE, params: { confidentiality: 'public', name: 'n', 'redirect-url': RPC_REDIRECT } } }), 200, 'rpc');
      expectStatus(await send('POST', '/rpc', { body: { method: SAVE, params: { confidentiality: 'secret' } } }), 422, 'rpc bad params');
      expectStatus(await send('POST', '/rpc', { body: { method: 'no/such-method' } }), 404, 'rpc unknown method');
      expectStatus(await send('POST', '/rpc', { body: '{"broken', contentType: 'application/json' }), 400, 'rpc malformed');
      expectStatus(await send('POST', '/rpc', { body: { method: SAVE }, authorization: null }), 401, 'rpc anonymous');
      expectStatus(await send('POST', '/rpc', { body: { method: 'aidbox.smart/get-launch-uri', params: {} }, authorization: asDeveloper }), 403, 'rpc without a policy');

      const inject = async (method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, headers: Record<string, string> = {}, payload?: Json | string) => {
        const res = await portico.app.inject({ method, url, headers: { ...(payload !== undefined ? { 'content-type': 'application/json' } : {}), ...headers }, ...(payload !== undefined ? { payload } : {}) });
        return { status: res.statusCode, headers: res.headers, text: res.body, body: res.body ? res.json() : undefined };
      };
      const registration = await inject('POST', '/auth/register', {}, { redirect_uris: ['https://nostore.example/cb'] });
      expectStatus(registration, 201, 'register');
      expectStatus(await inject('POST', '/oauth/register', {}, { redirect_uris: ['https://nostore.example/cb'] }), 201, 'register at the S4S path');
      expectStatus(await inject('POST', '/auth/register', {}, '{"broken'), 400, 'register malformed');
      const uri = new URL(String(registration.body.registration_client_uri)).pathname;
      const read = await inject('GET', uri, { authorization: `Bearer ${String(registration.body.registration_access_token)}` });
      expectStatus(read, 200, 'RFC 7592 read');
      const token = String(read.body.registration_access_token);
      expectStatus(await inject('GET', uri, { authorization: 'Bearer wrong' }), 401, 'RFC 7592 read, wrong token');
      const updated = await inject('PUT', uri, { authorization: `Bearer ${token}` }, { client_id: read.body.client_id, redirect_uris: ['https://nostore.example/cb2'] });
      expectStatus(updated, 200, 'RFC 7592 update');
      expectStatus(await inject('PUT', uri, { authorization: 'Bearer wrong' }, { client_id: read.body.client_id }), 401, 'RFC 7592 update, wrong token');
      expectStatus(await inject('DELETE', uri, { authorization: `Bearer ${String(updated.body.registration_access_token)}` }), 204, 'RFC 7592 delete');
      expectStatus(await inject('POST', '/auth/initial-access-token', { authorization: basic('root', 'secret') }), 201, 'initial access token');
      expectStatus(await inject('POST', '/auth/initial-access-token'), 401, 'initial access token, anonymous');
    });

    it('the database holds no clear secret: every stored secret is encrypted', async () => {
      const rows = await portico.db.query<{ id: string; content: string }>('SELECT id, content::text AS content FROM auth_client ORDER BY id');
      assert.ok(rows.length >= 10, 'the clients this suite wrote');
      for (const row of rows) {
        const secret = (JSON.parse(row.content) as Json).secret;
        if (secret !== undefined) assert.match(String(secret), SEALED, row.id);
        for (const clear of clearSecrets) assert.ok(!row.content.includes(clear), `${row.id} holds a clear secret`);
      }
    });
  });

  describe(`client secrets across restarts: keys, and clear text left by an older version (${driver})`, () => {
    let database: PersistentDatabase;
    before(async () => {
      database = await persistentDatabase(driver, 'portico-client-secrets-');
    });
    after(() => database.drop());

    it('a clear-text secret written by an older version is encrypted at start, once, and still authenticates', async () => {
      await withPortico(database, { SECRETS_KEY: KEY_1 }, async (p) => {
        // What a version before encryption left: the secret in clear in the Client's content.
        await p.db.query(
          `INSERT INTO auth_client (id, version_id, last_updated, tenant, content) VALUES ($1, 1, now(), '', $2::jsonb)`,
          ['legacy-app', JSON.stringify({ id: 'legacy-app', meta: { versionId: '1', lastUpdated: new Date().toISOString() }, ...backendClient('legacy-clear-secret') })],
        );
      });
      const replacements: string[] = [];
      // Counts the encrypting writes that changed a row.
      const counting = {
        wrapDatabase: (db: Database): Database => ({
          ...db,
          query: async (text, params) => {
            const rows = await db.query(text, params);
            if (typeof text === 'string' && text.includes("jsonb_set(content, '{secret}'") && rows.length > 0) replacements.push(String(params?.[0]));
            return rows as never;
          },
        }),
      };
      await withPortico(database, { SECRETS_KEY: KEY_1 }, async (p) => {
        const row = await storedContent(p.db, 'legacy-app');
        assert.match(String(row.content.secret), SEALED);
        assert.ok(String(row.content.secret).startsWith(`v1.${keyIdOf(KEY_1)}.`));
        assert.ok(!row.text.includes('legacy-clear-secret'));
        assert.equal(row.versionId, 1, 'the stored form changed, not the Client');
        assert.equal((await clientCredentials(p.app, 'legacy-app', 'legacy-clear-secret')).statusCode, 200);
        assertInvalidClient(await clientCredentials(p.app, 'legacy-app', 'wrong'), 'wrong secret');
      }, counting);
      assert.deepEqual(replacements, ['legacy-app']);

      // Idempotent: the next start finds nothing to encrypt and changes nothing.
      const before = (await withPortico(database, { SECRETS_KEY: KEY_1 }, async (p) => storedContent(p.db, 'legacy-app'), counting)).content.secret;
      assert.deepEqual(replacements, ['legacy-app']);
      await withPortico(database, { SECRETS_KEY: KEY_1 }, async (p) => {
        assert.equal((await storedContent(p.db, 'legacy-app')).content.secret, before);
      });
    });

    it('under another SECRETS_KEY a client cannot authenticate: 401 invalid_client (not a 500), logged; SECRETS_KEY_PREVIOUS restores it', async () => {
      await withPortico(database, { SECRETS_KEY: KEY_1 }, async (p) => {
        const send = adminHttp(p.app);
        assert.equal((await send('PUT', '/Client/keyed-app', { body: { ...backendClient('keyed-app-secret'), type: 'client' } })).status, 201);
        assert.equal((await send('PUT', '/AccessPolicy/keyed-app', { body: { engine: 'matcho', link: [{ resourceType: 'Client', id: 'keyed-app' }], matcho: { method: 'GET', uri: '#^/Client' } } })).status, 201);
        assert.equal((await clientCredentials(p.app, 'keyed-app', 'keyed-app-secret')).statusCode, 200);
        assert.equal((await send('GET', '/Client', { authorization: basic('keyed-app', 'keyed-app-secret') })).status, 200);
      });

      const stored = await withPortico(database, { SECRETS_KEY: KEY_2 }, async (p) => {
        const logged: { fields: Json; message: string }[] = [];
        // The application log: what the operator sees.
        (p.app.log as unknown as { error: (fields: Json, message: string) => void }).error = (fields, message) => logged.push({ fields, message });
        const send = adminHttp(p.app);
        const refused = await clientCredentials(p.app, 'keyed-app', 'keyed-app-secret');
        assertInvalidClient(refused, 'under another key');
        assert.equal(refused.json().error_description, 'invalid client credentials', 'the same answer as a wrong secret');
        assert.equal((await send('GET', '/Client', { authorization: basic('keyed-app', 'keyed-app-secret') })).status, 401, 'nor at the admin API');
        assert.ok(logged.length >= 2, 'each failure is logged');
        assert.equal(logged[0]?.fields.clientId, 'keyed-app');
        assert.equal(logged[0]?.fields.keyId, keyIdOf(KEY_1));
        assert.match(logged[0]?.message ?? '', /Client\/keyed-app cannot be decrypted: .*neither SECRETS_KEY nor one of SECRETS_KEY_PREVIOUS/);
        assert.ok(!JSON.stringify(logged).includes('keyed-app-secret'));

        const read = await send('GET', '/Client/keyed-app');
        assert.equal(read.status, 200, 'the root read answers, without the secret it cannot decrypt');
        assert.equal(read.body.id, 'keyed-app');
        assert.equal(read.body.secret, undefined);
        return (await storedContent(p.db, 'keyed-app')).content.secret;
      });
      assert.ok(String(stored).startsWith(`v1.${keyIdOf(KEY_1)}.`), 'a start under another key leaves the secret as it was');

      await withPortico(database, { SECRETS_KEY: KEY_2, SECRETS_KEY_PREVIOUS: KEY_1 }, async (p) => {
        assert.equal((await clientCredentials(p.app, 'keyed-app', 'keyed-app-secret')).statusCode, 200);
        assert.equal((await adminHttp(p.app)('GET', '/Client/keyed-app')).body.secret, 'keyed-app-secret');
        // A start does not re-encrypt under the new key (portico secrets rekey does): processes still on KEY_1 keep working.
        assert.equal((await storedContent(p.db, 'keyed-app')).content.secret, stored);
        // A new secret is encrypted under the new key.
        assert.equal((await adminHttp(p.app)('PUT', '/Client/keyed-new', { body: backendClient('keyed-new-secret') })).status, 201);
        assert.ok(String((await storedContent(p.db, 'keyed-new')).content.secret).startsWith(`v1.${keyIdOf(Buffer.from(KEY_2, 'base64').toString('hex'))}.`));
      });
    });
  });
}

// Processes starting together on one database: only PostgreSQL can be shared.
if (drivers.includes('postgres')) {
  describe('client secrets: processes starting together encrypt clear text once (postgres)', () => {
    let first: TestPortico;
    const siblings: Portico[] = [];
    before(async () => {
      first = await startPortico('postgres', { SECRETS_KEY: KEY_1 });
    });
    after(async () => {
      for (const s of siblings) await s.close();
      await first.stop();
    });

    it('every clear secret is encrypted by exactly one of them, and works through both', async () => {
      const ids = Array.from({ length: 5 }, (_, i) => `legacy-${i}`);
      for (const id of ids) {
        await first.db.query(`INSERT INTO auth_client (id, version_id, last_updated, tenant, content) VALUES ($1, 1, now(), '', $2::jsonb)`, [
          id,
          JSON.stringify({ id, meta: { versionId: '1', lastUpdated: new Date().toISOString() }, ...backendClient(`${id}-secret`) }),
        ]);
      }
      const replaced: string[] = [];
      // Both processes read the clear secrets before either writes: the worst interleaving, made certain.
      let arrived = 0;
      let release = () => {};
      const bothRead = new Promise<void>((resolve) => (release = resolve));
      const counting = {
        wrapDatabase: (db: Database): Database => ({
          ...db,
          query: async (text, params) => {
            const rows = await db.query(text, params);
            if (typeof text === 'string' && text.includes("content->>'secret' AS sealed FROM auth_client")) {
              if (++arrived === 2) release();
              await bothRead;
            }
            if (typeof text === 'string' && text.includes("jsonb_set(content, '{secret}'") && rows.length > 0) replaced.push(String(params?.[0]));
            return rows as never;
          },
        }),
      };
      siblings.push(...(await Promise.all([startSibling(first, { SECRETS_KEY: KEY_1 }, counting), startSibling(first, { SECRETS_KEY: KEY_1 }, counting)])));
      assert.equal(arrived, 2, 'both processes read the clear secrets');
      assert.deepEqual([...replaced].sort(), ids, 'one successful write per secret, whichever process made it');
      for (const id of ids) {
        const row = await storedContent(first.db, id);
        assert.match(String(row.content.secret), SEALED, id);
        assert.ok(!row.text.includes(`${id}-secret`));
        for (const p of siblings) assert.equal((await clientCredentials(p.app, id, `${id}-secret`)).statusCode, 200, id);
      }
    });
  });
}
