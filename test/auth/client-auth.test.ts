import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { base64url, exportSPKI, importJWK, SignJWT, UnsecuredJWT, type CryptoKey, type JWTPayload } from 'jose';
import type { Client } from '../../src/auth/clients/client-repository.ts';
import type { ClientAuthRequest } from '../../src/auth/client-auth/client-auth-method.ts';
import { createClientAuthenticator, type ClientAuthenticator } from '../../src/auth/client-auth/client-authenticator.ts';
import { createHttpJwksFetcher, type HttpJwksFetcherOptions } from '../../src/auth/client-auth/jwks/http-jwks-fetcher.ts';
import { createJwksCache } from '../../src/auth/client-auth/jwks/jwks-cache.ts';
import { OAuthError } from '../../src/auth/oauth-error.ts';
import { createClientAuthThrottle } from '../../src/auth/client-auth/client-auth-throttle.ts';
import { createClientAttemptStore } from '../../src/storage/auth/client-attempt-store.ts';
import { createJtiStore } from '../../src/storage/auth/jti-store.ts';
import { openDatabase, type Database } from '../../src/storage/database.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';
import { json, signAssertion, startJwksHost, testKey, type JwksHost, type TestKey } from './support/client-auth-fixtures.ts';

const TOKEN_URL = 'http://portico.test/auth/token';
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
const form = (fields: Record<string, string>): ClientAuthRequest => ({ form: fields });

/** Asserts an OAuthError with this status and code (and description pattern); returns it. */
async function refused(promise: Promise<unknown>, status: number, error: string, description?: RegExp): Promise<OAuthError> {
  try {
    await promise;
  } catch (e) {
    assert.ok(e instanceof OAuthError, `expected OAuthError, got ${String(e)}`);
    assert.equal(e.status, status, e.description);
    assert.equal(e.error, error, e.description);
    if (description) assert.match(e.description, description);
    assert.match(e.description, /^[\x20-\x21\x23-\x5B\x5D-\x7E]*$/, 'RFC 6749 §5.2 error_description characters');
    return e;
  }
  assert.fail('expected the request to be refused');
}

for (const driver of drivers) {
  describe(`client authentication (${driver})`, () => {
    let portico: TestPortico;
    let host: JwksHost;
    let clock: Date;
    let rs: TestKey, es: TestKey, rsRotated: TestKey, attacker: TestKey;
    let auth: ClientAuthenticator;
    let secondDb: Database | undefined;

    const fetcherOptions = (over: Partial<HttpJwksFetcherOptions> = {}): HttpJwksFetcherOptions => ({
      timeoutMs: 2000,
      maxBytes: 4096,
      allowHttp: true,
      allowedAddresses: new Set(['loopback']),
      ...over,
    });
    const authenticator = (over: Partial<HttpJwksFetcherOptions> = {}, db: Database = portico.db) =>
      createClientAuthenticator({
        clients: portico.auth.clients,
        secrets: portico.clientSecrets,
        jtis: createJtiStore(db),
        jwks: createJwksCache({ fetch: createHttpJwksFetcher(fetcherOptions(over)), now: () => clock }),
        throttle: createClientAuthThrottle(createClientAttemptStore(db), { maxFailures: 10, windowSeconds: 300 }, () => clock),
        now: () => clock,
        audiences: [TOKEN_URL],
      });
    const nowSeconds = () => Math.floor(clock.getTime() / 1000);
    const claims = (clientId: string, over: JWTPayload = {}): JWTPayload => ({
      iss: clientId,
      sub: clientId,
      aud: TOKEN_URL,
      exp: nowSeconds() + 240,
      jti: randomUUID(),
      ...over,
    });
    const jwtRequest = (assertion: string, extra: Record<string, string> = {}) =>
      form({ grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion, ...extra });
    // Secrets are stored encrypted for their Client, as the admin API stores them.
    const put = (client: Client & { id: string }) =>
      portico.auth.clients.put(client.secret === undefined ? client : { ...client, secret: portico.clientSecrets.seal(client.id, client.secret) });

    before(async () => {
      clock = new Date();
      portico = await startPortico(driver);
      host = await startJwksHost();
      [rs, es, rsRotated, attacker] = await Promise.all([testKey('rs1', 'RS384'), testKey('es1', 'ES384'), testKey('rs2', 'RS384'), testKey('rs1', 'RS384')]);
      const secretCode = { auth: { authorization_code: { secret_required: true } }, grant_types: ['authorization_code' as const] };
      await put({ resourceType: 'Client', id: 'spa', auth: { authorization_code: { pkce: true, secret_required: false } }, grant_types: ['authorization_code'] });
      await put({ resourceType: 'Client', id: 'web', secret: 'w3b s3cret:%', ...secretCode });
      await put({ resourceType: 'Client', id: 'off', secret: 'off-secret', active: false, ...secretCode });
      await put({ resourceType: 'Client', id: 'bk', type: 'bulk-api-client', grant_types: ['client_credentials'], jwks: { keys: [rs.publicJwk, es.publicJwk] } });
      await put({ resourceType: 'Client', id: 'bk2', type: 'bulk-api-client', grant_types: ['client_credentials'], jwks: { keys: [{ ...attacker.publicJwk, kid: 'bk2' }] } });
      await put({ resourceType: 'Client', id: 'bk-uri', type: 'bulk-api-client', grant_types: ['client_credentials'], jwks_uri: host.url('/rotating') });
      for (const path of ['/big', '/slow', '/redirect', '/html', '/chunked']) {
        await put({ resourceType: 'Client', id: `bk${path.replace('/', '-')}`, type: 'bulk-api-client', jwks_uri: host.url(path) });
      }
      host.route('/rotating', json({ keys: [rs.publicJwk] }, { 'cache-control': 'max-age=300' }));
      host.route('/big', json({ keys: [rs.publicJwk], padding: 'x'.repeat(10_000) }));
      host.route('/chunked', (_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.write(`{"keys":[${JSON.stringify(rs.publicJwk)}],"p":"`);
        const timer = setInterval(() => res.write('x'.repeat(1000)), 5);
        res.on('close', () => clearInterval(timer));
      });
      host.route('/slow', () => {}); // never answers
      host.route('/redirect', (_req, res) => res.writeHead(302, { location: host.url('/rotating') }).end());
      host.route('/html', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(JSON.stringify({ keys: [rs.publicJwk] })));
      auth = authenticator();
      if (driver === 'postgres' && portico.database.url) {
        secondDb = await openDatabase({ databaseUrl: portico.database.url, dataDir: 'memory://', poolSize: 2 });
      }
    });
    after(async () => {
      await secondDb?.close();
      await host.close();
      await portico.stop();
    });

    it('Portico exposes a wired authenticator (token endpoint URL as aud, the shared jti ledger)', async () => {
      assert.equal((await portico.clientAuthenticator.authenticate(form({ client_id: 'spa' }))).method, 'none');
      const assertion = await signAssertion(rs, claims('bk', { exp: Math.floor(Date.now() / 1000) + 200 }));
      assert.equal((await portico.clientAuthenticator.authenticate(jwtRequest(assertion))).client.id, 'bk');
      await refused(auth.authenticate(jwtRequest(assertion)), 401, 'invalid_client', /already been used/);
    });

    describe('none (public clients)', () => {
      it('authenticates a public client by client_id alone', async () => {
        const result = await auth.authenticate(form({ client_id: 'spa' }));
        assert.equal(result.method, 'none');
        assert.equal(result.client.id, 'spa');
      });
      it('refuses a confidential client presenting only its client_id', async () => {
        await refused(auth.authenticate(form({ client_id: 'web' })), 401, 'invalid_client', /confidential/);
      });
      it('refuses an unknown client, and a request with no client at all', async () => {
        await refused(auth.authenticate(form({ client_id: 'nobody' })), 401, 'invalid_client');
        await refused(auth.authenticate(form({ grant_type: 'authorization_code' })), 400, 'invalid_request');
      });
      it('refuses a public client that adds a secret', async () => {
        await refused(auth.authenticate(form({ client_id: 'spa', client_secret: 'x' })), 401, 'invalid_client', /public client/);
      });
    });

    describe('client_secret_basic and client_secret_post', () => {
      it('authenticates with Basic, form-urlencoded inside (RFC 6749 §2.3.1)', async () => {
        const result = await auth.authenticate({ authorization: basic('web', encodeURIComponent('w3b s3cret:%')), form: {} });
        assert.equal(result.method, 'client_secret_basic');
        assert.equal(result.client.id, 'web');
        const plus = await auth.authenticate({ authorization: basic('web', 'w3b+s3cret%3A%25'), form: { client_id: 'web' } });
        assert.equal(plus.client.id, 'web', '+ decodes to a space; a matching body client_id is fine');
      });
      it('authenticates with the secret in the form', async () => {
        const result = await auth.authenticate(form({ client_id: 'web', client_secret: 'w3b s3cret:%' }));
        assert.equal(result.method, 'client_secret_post');
      });
      it('wrong secret, unknown and inactive clients get the same 401, with a Basic challenge after Basic', async () => {
        const wrong = await refused(auth.authenticate({ authorization: basic('web', 'nope'), form: {} }), 401, 'invalid_client');
        assert.match(wrong.challenge ?? '', /^Basic realm=/);
        const unknown = await refused(auth.authenticate({ authorization: basic('ghost', 'nope'), form: {} }), 401, 'invalid_client');
        const inactive = await refused(auth.authenticate({ authorization: basic('off', 'off-secret'), form: {} }), 401, 'invalid_client');
        assert.equal(unknown.description, wrong.description, 'no client enumeration');
        assert.equal(inactive.description, wrong.description);
        const post = await refused(auth.authenticate(form({ client_id: 'web', client_secret: 'nope' })), 401, 'invalid_client');
        assert.equal(post.challenge, undefined);
        await refused(auth.authenticate(form({ client_id: 'off', client_secret: 'off-secret' })), 401, 'invalid_client');
        await refused(auth.authenticate(form({ client_id: 'bk', client_secret: '' })), 401, 'invalid_client', undefined);
      });
      it('refuses two methods at once and a Basic user that differs from the body client_id', async () => {
        const webBasic = basic('web', encodeURIComponent('w3b s3cret:%'));
        await refused(auth.authenticate({ authorization: webBasic, form: { client_secret: 'w3b s3cret:%' } }), 400, 'invalid_request', /more than one/);
        await refused(auth.authenticate({ authorization: basic('web', 'x'), form: { client_assertion_type: JWT_BEARER, client_assertion: 'a.b.c' } }), 400, 'invalid_request');
        await refused(auth.authenticate(form({ client_id: 'web', client_secret: 'x', client_assertion_type: JWT_BEARER, client_assertion: 'a.b.c' })), 400, 'invalid_request');
        await refused(auth.authenticate({ authorization: webBasic, form: { client_id: 'spa' } }), 400, 'invalid_request', /differs/);
      });
      it('malformed Authorization headers are refused, never thrown as anything else', async () => {
        const b = await refused(auth.authenticate({ authorization: 'Basic !!!', form: {} }), 401, 'invalid_client', /malformed/);
        assert.ok(b.challenge);
        await refused(auth.authenticate({ authorization: `Basic ${Buffer.from('no-colon').toString('base64')}`, form: {} }), 401, 'invalid_client');
        await refused(auth.authenticate({ authorization: basic('web', '%E0%A4%A'), form: {} }), 401, 'invalid_client');
        await refused(auth.authenticate({ authorization: 'Bearer x', form: { client_id: 'spa' } }), 400, 'invalid_request');
        await refused(auth.authenticate({ authorization: `Basic ${'A'.repeat(20_000)}`, form: {} }), 401, 'invalid_client');
      });
    });

    describe('private_key_jwt', () => {
      it('authenticates with an inline JWKS (RS384 and ES384), with or without a matching client_id', async () => {
        const viaRs = await auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk'))));
        assert.deepEqual([viaRs.method, viaRs.client.id], ['private_key_jwt', 'bk']);
        await auth.authenticate(jwtRequest(await signAssertion(es, claims('bk')), { client_id: 'bk' }));
        await auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk', { aud: ['https://other.example', TOKEN_URL] }))));
      });
      it('refuses a wrong assertion type and a missing assertion', async () => {
        const assertion = await signAssertion(rs, claims('bk'));
        await refused(auth.authenticate(form({ client_assertion_type: 'not_an_assertion_type', client_assertion: assertion })), 401, 'invalid_client', /client_assertion_type/);
        await refused(auth.authenticate(form({ client_assertion_type: JWT_BEARER })), 400, 'invalid_request');
        await refused(auth.authenticate(jwtRequest('not-a-jwt')), 401, 'invalid_client', /well-formed/);
      });
      it('refuses alg none and HS256 keyed with the public key', async () => {
        const unsigned = new UnsecuredJWT(claims('bk')).encode();
        await refused(auth.authenticate(jwtRequest(unsigned)), 401, 'invalid_client', /alg/);
        const noneWithKid = `${base64url.encode(JSON.stringify({ alg: 'none', kid: 'rs1' }))}.${base64url.encode(JSON.stringify(claims('bk')))}.`;
        await refused(auth.authenticate(jwtRequest(noneWithKid)), 401, 'invalid_client', /alg/);
        const pem = await exportSPKI((await importJWK(rs.publicJwk, 'RS384')) as CryptoKey);
        const hmac = await new SignJWT(claims('bk')).setProtectedHeader({ alg: 'HS256', kid: 'rs1' }).sign(new TextEncoder().encode(pem));
        await refused(auth.authenticate(jwtRequest(hmac)), 401, 'invalid_client', /alg/);
      });
      it('refuses wrong iss, sub, aud and a client_id that differs', async () => {
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk', { sub: 'other' })))), 401, 'invalid_client', /sub/);
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk', { iss: 'ghost', sub: 'ghost' })))), 401, 'invalid_client', /iss/);
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk', { aud: 'https://other-as.example/token' })))), 401, 'invalid_client', /aud/);
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk', { aud: ['https://x'] })))), 401, 'invalid_client', /aud/);
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk')), { client_id: 'bk2' })), 401, 'invalid_client', /client_id/);
        // bk2's own iss/sub but signed with bk's key (kid bk2 is not bk's): the signature must not verify.
        await refused(auth.authenticate(jwtRequest(await signAssertion({ ...rs, kid: 'bk2' }, claims('bk2')))), 401, 'invalid_client', /signature/);
        // A secret client has no keys at all.
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('web')))), 401, 'invalid_client', /no registered keys/);
      });
      it('refuses an expired assertion, exp too far ahead, and exp or jti missing', async () => {
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk', { exp: nowSeconds() - 300 })))), 401, 'invalid_client', /expired/);
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk', { exp: nowSeconds() + 360 })))), 401, 'invalid_client', /5 minutes/);
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk', { exp: undefined })))), 401, 'invalid_client', /exp/);
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk', { jti: undefined })))), 401, 'invalid_client', /jti/);
        await auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk', { exp: nowSeconds() + 300 }))));
      });
      it('refuses an unknown kid, a key of the wrong type for alg, and embedded keys', async () => {
        await refused(auth.authenticate(jwtRequest(await signAssertion({ ...rs, kid: 'nope' }, claims('bk')))), 401, 'invalid_client', /kid/);
        await refused(auth.authenticate(jwtRequest(await signAssertion(es, claims('bk'), { kid: 'rs1' }))), 401, 'invalid_client', /kid/);
        await refused(auth.authenticate(jwtRequest(await signAssertion(attacker, claims('bk'), { jwk: attacker.publicJwk }))), 401, 'invalid_client', /jwk/);
        await refused(auth.authenticate(jwtRequest(await signAssertion(attacker, claims('bk')))), 401, 'invalid_client', /signature/);
      });
      it('a jti is single-use per client, across authenticator instances sharing the database', async () => {
        const jti = randomUUID();
        const first = await signAssertion(rs, claims('bk', { jti }));
        await auth.authenticate(jwtRequest(first));
        await refused(auth.authenticate(jwtRequest(first)), 401, 'invalid_client', /already been used/);
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk', { jti, exp: nowSeconds() + 200 })))), 401, 'invalid_client', /already/);
        // Another process: its own caches, the same database (a second connection pool on PostgreSQL).
        const twin = authenticator({}, secondDb ?? portico.db);
        await refused(twin.authenticate(jwtRequest(first)), 401, 'invalid_client', /already/);
        await twin.authenticate(jwtRequest(await signAssertion({ ...attacker, kid: 'bk2' }, claims('bk2', { jti }))));
      });
      it('a jti may be reused once its assertion has expired', async () => {
        const jti = randomUUID();
        await auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk', { jti, exp: nowSeconds() + 10 }))));
        const saved = clock;
        clock = new Date(saved.getTime() + 120_000);
        try {
          await auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk', { jti }))));
        } finally {
          clock = saved;
        }
      });
    });

    describe('jwks_uri', () => {
      it('fetches keys, caches them, and re-fetches once (rate-limited) for an unknown kid after rotation', async () => {
        const local = authenticator();
        const before = host.hits('/rotating');
        await local.authenticate(jwtRequest(await signAssertion(rs, claims('bk-uri'))));
        await local.authenticate(jwtRequest(await signAssertion(rs, claims('bk-uri'))));
        assert.equal(host.hits('/rotating') - before, 1, 'max-age=300 keeps the set cached');
        host.route('/rotating', json({ keys: [rsRotated.publicJwk] }, { 'cache-control': 'max-age=300' }));
        await local.authenticate(jwtRequest(await signAssertion(rsRotated, claims('bk-uri'))));
        assert.equal(host.hits('/rotating') - before, 2, 'an unknown kid triggers one re-fetch');
        await refused(local.authenticate(jwtRequest(await signAssertion({ ...rs, kid: 'other' }, claims('bk-uri')))), 401, 'invalid_client', /kid/);
        assert.equal(host.hits('/rotating') - before, 2, 're-fetches are rate-limited');
        await refused(local.authenticate(jwtRequest(await signAssertion(rs, claims('bk-uri')))), 401, 'invalid_client', /kid/);
      });
      it('honours Cache-Control: no-store and a short max-age', async () => {
        host.route('/rotating', json({ keys: [rs.publicJwk] }, { 'cache-control': 'no-store' }));
        const local = authenticator();
        const before = host.hits('/rotating');
        await local.authenticate(jwtRequest(await signAssertion(rs, claims('bk-uri'))));
        await local.authenticate(jwtRequest(await signAssertion(rs, claims('bk-uri'))));
        assert.equal(host.hits('/rotating') - before, 2);
        host.route('/rotating', json({ keys: [rs.publicJwk] }, { 'cache-control': 'public, max-age=30' }));
        await local.authenticate(jwtRequest(await signAssertion(rs, claims('bk-uri'))));
        await local.authenticate(jwtRequest(await signAssertion(rs, claims('bk-uri'))));
        assert.equal(host.hits('/rotating') - before, 3);
        const saved = clock;
        clock = new Date(saved.getTime() + 31_000);
        try {
          await local.authenticate(jwtRequest(await signAssertion(rs, claims('bk-uri'))));
        } finally {
          clock = saved;
        }
        assert.equal(host.hits('/rotating') - before, 4, 'never cached longer than max-age');
        host.route('/rotating', json({ keys: [rs.publicJwk] }, { 'cache-control': 'max-age=300' }));
      });
      it('accepts jku only when it is the registered jwks_uri', async () => {
        await auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk-uri'), { jku: host.url('/rotating') })));
        const before = host.hits('/evil');
        await refused(auth.authenticate(jwtRequest(await signAssertion(attacker, claims('bk-uri'), { jku: host.url('/evil') }))), 401, 'invalid_client', /jku/);
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk'), { jku: host.url('/rotating') }))), 401, 'invalid_client', /jku/);
        assert.equal(host.hits('/evil'), before, 'the jku is never fetched');
      });
      it('refuses a loopback or private jwks_uri unless allowed, without connecting', async () => {
        const before = host.hits('/rotating');
        await refused(authenticator({ allowedAddresses: new Set() }).authenticate(jwtRequest(await signAssertion(rs, claims('bk-uri')))), 401, 'invalid_client', /loopback address/);
        assert.equal(host.hits('/rotating'), before);
        await put({ resourceType: 'Client', id: 'bk-named', type: 'bulk-api-client', jwks_uri: `http://jwks.test:${new URL(host.url('/')).port}/rotating` });
        const resolvingTo = (address: string) => authenticator({ resolve: async () => address });
        for (const address of ['10.0.0.1', '169.254.169.254', 'fe80::1', 'fd00::1', '0.0.0.0', '224.0.0.1']) {
          await refused(resolvingTo(address).authenticate(jwtRequest(await signAssertion(rs, claims('bk-named')))), 401, 'invalid_client', /not allowed/);
        }
        // The resolved address is the one connected to: jwks.test → 127.0.0.1 reaches the host (loopback allowed here).
        await resolvingTo('127.0.0.1').authenticate(jwtRequest(await signAssertion(rs, claims('bk-named'))));
        assert.equal(host.hits('/rotating'), before + 1);
      });
      it('refuses http: when only https is allowed', async () => {
        await refused(authenticator({ allowHttp: false }).authenticate(jwtRequest(await signAssertion(rs, claims('bk-uri')))), 401, 'invalid_client', /https/);
      });
      it('refuses an oversize JWKS (declared or streamed), a slow one, a redirect and a non-JSON one', async () => {
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk-big')))), 401, 'invalid_client', /exceeds/);
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk-chunked')))), 401, 'invalid_client', /exceeds/);
        await refused(authenticator({ timeoutMs: 200 }).authenticate(jwtRequest(await signAssertion(rs, claims('bk-slow')))), 401, 'invalid_client', /did not answer/);
        const before = host.hits('/rotating');
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk-redirect')))), 401, 'invalid_client', /redirect/);
        assert.equal(host.hits('/rotating'), before, 'the redirect target is never fetched');
        await refused(auth.authenticate(jwtRequest(await signAssertion(rs, claims('bk-html')))), 401, 'invalid_client', /JSON/);
      });
    });
  });
}
