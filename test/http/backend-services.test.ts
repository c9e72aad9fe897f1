import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, exportSPKI, importJWK, jwtVerify, SignJWT, UnsecuredJWT, type CryptoKey, type JSONWebKeySet, type JWTPayload } from 'jose';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { json, signAssertion, startJwksHost, testKey, type JwksHost, type TestKey } from '../auth/support/client-auth-fixtures.ts';
import { loadConfig } from '../../src/config.ts';
import { createPortico } from '../../src/portico.ts';
import { fhirClient } from '../support/fhir-client.ts';
import { definitions, drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';

// SMART Backend Services end to end over HTTP: client_credentials with private_key_jwt (seed 004), keys
// inline or at a jwks_uri served from loopback, assertions signed by jose.

const TOKEN_URL = `${TEST_BASE_URL}/auth/token`;
const FHIR_BASE = `${TEST_BASE_URL}/fhir`;
const JWT_BEARER = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

type Json = Record<string, unknown>;
interface Res {
  status: number;
  headers: Record<string, unknown>;
  body: Json;
}

const ALGS = ['RS384', 'ES384', 'RS256', 'ES256', 'PS384'] as const;

for (const driver of drivers) {
  describe(`SMART Backend Services: client_credentials with private_key_jwt (${driver})`, () => {
    let portico: TestPortico;
    let host: JwksHost;
    let clock: Date;
    let keys: Record<(typeof ALGS)[number], TestKey>;
    let rotated: TestKey;
    let attacker: TestKey;
    let admin: ReturnType<typeof adminHttp>;

    const nowSeconds = () => Math.floor(clock.getTime() / 1000);
    /** Inferno's assertion: iss = sub = client_id, aud = token URL, exp = now + 5 min, a random jti, no iat. */
    const claims = (clientId: string, over: JWTPayload = {}): JWTPayload => ({
      iss: clientId,
      sub: clientId,
      aud: TOKEN_URL,
      exp: nowSeconds() + 300,
      jti: randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, ''),
      ...over,
    });
    const token = async (fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Res> => {
      const res = await portico.app.inject({
        method: 'POST',
        url: '/auth/token',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers },
        payload: new URLSearchParams(fields).toString(),
      });
      return { status: res.statusCode, headers: res.headers, body: res.json<Json>() };
    };
    const backendToken = (assertion: string, scope = 'system/*.read', extra: Record<string, string> = {}) =>
      token({ scope, grant_type: 'client_credentials', client_assertion_type: JWT_BEARER, client_assertion: assertion, ...extra });
    const putClient = async (id: string, client: Json) => {
      const res = await admin('PUT', `/Client/${id}`, { body: { resourceType: 'Client', ...client } });
      assert.ok(res.status === 200 || res.status === 201, res.text);
      const policy = await admin('PUT', `/AccessPolicy/${id}`, { body: { engine: 'allow', link: [{ id, resourceType: 'Client' }] } });
      assert.ok(policy.status === 200 || policy.status === 201, policy.text);
    };
    const backendClient = (keySource: Json, scope: string[] = ['system/*.read']): Json => ({
      type: 'bulk-api-client',
      active: true,
      auth: { client_credentials: { client_assertion_types: [JWT_BEARER], access_token_expiration: 300, token_format: 'jwt' } },
      scope,
      grant_types: ['client_credentials'],
      ...keySource,
    });
    /** A 400/401 RFC 6749 error with no-store headers, whose description names the check and carries no key material. */
    const refused = (res: Res, status: number | readonly number[], error: string, check?: RegExp) => {
      const statuses: readonly number[] = typeof status === 'number' ? [status] : status;
      assert.ok(statuses.includes(res.status), `status ${res.status}: ${JSON.stringify(res.body)}`);
      assert.equal(res.body.error, error, JSON.stringify(res.body));
      const description = String(res.body.error_description);
      if (check) assert.match(description, check);
      assert.match(description, /^[\x20-\x21\x23-\x5B\x5D-\x7E]+$/, 'RFC 6749 §5.2 error_description characters');
      for (const key of [...Object.values(keys), attacker]) {
        for (const member of [key.publicJwk.n, key.publicJwk.x, key.publicJwk.y]) {
          if (member) assert.ok(!description.includes(member.slice(0, 16)), 'no key material in the description');
        }
      }
      assert.equal(res.headers['cache-control'], 'no-store');
      assert.equal(res.headers.pragma, 'no-cache');
      assert.equal(res.body.access_token, undefined);
    };
    const ourJwks = async () => (await portico.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<JSONWebKeySet>();

    before(async () => {
      clock = new Date();
      portico = await startPortico(driver, { JWKS_FETCH_TIMEOUT_MS: '1000' }, { now: () => clock });
      admin = adminHttp(portico.app);
      host = await startJwksHost();
      const made = await Promise.all(ALGS.map((alg) => testKey(`k-${alg.toLowerCase()}`, alg)));
      keys = Object.fromEntries(ALGS.map((alg, i) => [alg, made[i]])) as typeof keys;
      [rotated, attacker] = await Promise.all([testKey('k-rotated', 'ES384'), testKey('k-es384', 'ES384')]);
      await putClient('bk-inline', backendClient({ jwks: { keys: Object.values(keys).map((k) => k.publicJwk) } }, ['system/*.rs']));
      // Seed 004's client, verbatim but for the JWKS server.
      host.route('/seed-004/.well-known/jwks.json', json({ keys: [keys.ES384.publicJwk, keys.RS384.publicJwk] }));
      await putClient('inferno-my-clinic-bulk-client', backendClient({ jwks_uri: host.url('/seed-004/.well-known/jwks.json') }));
      const observation = await fhirClient(portico.app).put('Observation/hba1c-1', {
        resourceType: 'Observation',
        id: 'hba1c-1',
        status: 'final',
        code: { coding: [{ system: 'http://loinc.org', code: '4548-4' }] },
        valueQuantity: { value: 2.9, unit: '%', system: 'http://unitsofmeasure.org', code: '%' },
      });
      assert.ok(observation.status === 201 || observation.status === 200, observation.text);
    });
    after(async () => {
      await host.close();
      await portico.stop();
    });

    describe('seed 004 walkthrough', () => {
      it('a jwks_uri client with an AccessPolicy gets a 300 s Bearer token for system/*.read and reads the FHIR API with it', async () => {
        const res = await backendToken(await signAssertion(keys.ES384, claims('inferno-my-clinic-bulk-client')));
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.headers['cache-control'], 'no-store');
        assert.equal(res.headers.pragma, 'no-cache');
        assert.match(String(res.headers['content-type']), /^application\/json/);
        assert.equal(res.body.token_type, 'Bearer');
        assert.equal(res.body.expires_in, 300);
        assert.equal(typeof res.body.access_token, 'string');
        // Granted = requested ∩ registered, echoed as requested (the seed's Aidbox expands the wildcard to a
        // fixed type list; an echoed wildcard covers every type and is equally valid SMART).
        assert.equal(res.body.scope, 'system/*.read');
        assert.ok(!('refresh_token' in res.body), 'no refresh token for client_credentials');
        assert.ok(!('id_token' in res.body));
        const { payload } = await jwtVerify(String(res.body.access_token), createLocalJWKSet(await ourJwks()), {
          issuer: TEST_BASE_URL,
          audience: FHIR_BASE,
          currentDate: clock,
        });
        assert.equal(payload.client_id, 'inferno-my-clinic-bulk-client');
        assert.equal((payload.exp ?? 0) - nowSeconds(), 300);

        const bundle = await fhirClient(portico.app, `Bearer ${String(res.body.access_token)}`).get('Observation?code=4548-4&_count=2');
        assert.equal(bundle.status, 200, bundle.text);
        assert.equal(bundle.body.resourceType, 'Bundle');
        assert.deepEqual(bundle.body.entry.map((e: { resource: { id: string } }) => e.resource.id), ['hba1c-1']);
      });

      it('expires_in defaults to 300 when the Client sets no lifetime; the token cannot write with a .read scope', async () => {
        const { auth: _auth, ...noLifetime } = backendClient({ jwks: { keys: [keys.ES384.publicJwk] } });
        await putClient('bk-default', noLifetime);
        const res = await backendToken(await signAssertion(keys.ES384, claims('bk-default')));
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(res.body.expires_in, 300);
        const write = await fhirClient(portico.app, `Bearer ${String(res.body.access_token)}`).put('Patient/nope', { resourceType: 'Patient', id: 'nope' });
        assert.equal(write.status, 403, write.text);
      });
    });

    describe('algorithms', () => {
      for (const alg of ALGS) {
        it(`accepts ${alg}`, async () => {
          const res = await backendToken(await signAssertion(keys[alg], claims('bk-inline')), 'system/Observation.rs');
          assert.equal(res.status, 200, JSON.stringify(res.body));
          assert.equal(res.body.scope, 'system/Observation.rs');
        });
      }
      it('refuses alg none (any spelling) and HMAC keyed with the public key (RFC 8725 §2.1)', async () => {
        refused(await backendToken(new UnsecuredJWT(claims('bk-inline')).encode()), 401, 'invalid_client', /alg/);
        for (const alg of ['none', 'None', 'NONE']) {
          const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
          refused(await backendToken(`${encode({ alg, kid: 'k-rs384', typ: 'JWT' })}.${encode(claims('bk-inline'))}.`), 401, 'invalid_client', /alg/);
        }
        const pem = await exportSPKI((await importJWK(keys.RS384.publicJwk, 'RS384')) as CryptoKey);
        for (const [alg, secret] of [
          ['HS256', pem],
          ['HS384', pem],
          ['HS512', JSON.stringify(keys.RS384.publicJwk)],
        ] as const) {
          const hmac = await new SignJWT(claims('bk-inline')).setProtectedHeader({ alg, kid: 'k-rs384', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
          refused(await backendToken(hmac), 401, 'invalid_client', /alg must be one of/);
        }
      });
      it('refuses a signature made with a key type other than the one alg names, and a kid pointing at a key of another type', async () => {
        refused(await backendToken(await signAssertion(keys.ES384, claims('bk-inline'), { kid: 'k-rs384' })), 401, 'invalid_client', /kid/);
        refused(await backendToken(await signAssertion(attacker, claims('bk-inline'))), 401, 'invalid_client', /signature/);
      });
    });

    describe('claims', () => {
      it('needs no iat, and accepts iss = sub = client_id with aud = the token endpoint (also inside an array)', async () => {
        const noIat = claims('bk-inline');
        assert.equal(noIat.iat, undefined);
        assert.equal((await backendToken(await signAssertion(keys.RS384, noIat))).status, 200);
        const withIat = await backendToken(await signAssertion(keys.RS384, claims('bk-inline', { iat: nowSeconds() })));
        assert.equal(withIat.status, 200, JSON.stringify(withIat.body));
        const audArray = await backendToken(await signAssertion(keys.RS384, claims('bk-inline', { aud: ['https://elsewhere.example/token', TOKEN_URL] })));
        assert.equal(audArray.status, 200, JSON.stringify(audArray.body));
      });
      it('refuses iss ≠ sub, sub missing, an unknown iss, a wrong aud, and a client_id other than iss', async () => {
        refused(await backendToken(await signAssertion(keys.RS384, claims('bk-inline', { sub: 'someone-else' }))), 401, 'invalid_client', /sub must equal iss/);
        refused(await backendToken(await signAssertion(keys.RS384, claims('bk-inline', { sub: undefined }))), 401, 'invalid_client', /sub/);
        refused(await backendToken(await signAssertion(keys.RS384, claims('not_a_valid_iss'))), 401, 'invalid_client', /iss is not an active client/);
        for (const aud of [`${FHIR_BASE}`, 'https://other-as.example/token', `${TEST_BASE_URL}/auth/introspect`, `${TOKEN_URL}/`]) {
          const res = await backendToken(await signAssertion(keys.RS384, claims('bk-inline', { aud })));
          refused(res, 401, 'invalid_client', /aud must be the token endpoint URL/);
          // It names the URL expected.
          assert.ok(String(res.body.error_description).endsWith(`token endpoint URL, ${TOKEN_URL}`), String(res.body.error_description));
        }
        refused(await backendToken(await signAssertion(keys.RS384, claims('bk-inline', { aud: undefined }))), 401, 'invalid_client', /aud/);
        refused(await backendToken(await signAssertion(keys.RS384, claims('bk-inline')), 'system/*.rs', { client_id: 'inferno-my-clinic-bulk-client' }), 401, 'invalid_client', /client_id/);
      });
      it('exp: at most 5 minutes ahead, with no skew beyond; missing is refused; expired is refused', async () => {
        assert.equal((await backendToken(await signAssertion(keys.RS384, claims('bk-inline', { exp: nowSeconds() + 300 })))).status, 200);
        refused(await backendToken(await signAssertion(keys.RS384, claims('bk-inline', { exp: nowSeconds() + 301 }))), 401, 'invalid_client', /exp is more than 5 minutes/);
        refused(await backendToken(await signAssertion(keys.RS384, claims('bk-inline', { exp: nowSeconds() + 3600 }))), 401, 'invalid_client', /5 minutes/);
        refused(await backendToken(await signAssertion(keys.RS384, claims('bk-inline', { exp: undefined }))), 401, 'invalid_client', /no exp/);
        refused(await backendToken(await signAssertion(keys.RS384, claims('bk-inline', { exp: nowSeconds() - 300 }))), 401, 'invalid_client', /expired/);
        // A clock a few seconds behind the client's may see a just-expired assertion: tolerated (60 s), never on the far side.
        assert.equal((await backendToken(await signAssertion(keys.RS384, claims('bk-inline', { exp: nowSeconds() - 5 })))).status, 200);
        refused(await backendToken(await signAssertion(keys.RS384, claims('bk-inline', { nbf: nowSeconds() + 120 }))), 401, 'invalid_client', /nbf/);
      });
      it('jti: required, and single use — a replay is refused even with a new signature and exp', async () => {
        refused(await backendToken(await signAssertion(keys.RS384, claims('bk-inline', { jti: undefined }))), 401, 'invalid_client', /no jti/);
        const jti = randomUUID();
        const first = await signAssertion(keys.RS384, claims('bk-inline', { jti }));
        assert.equal((await backendToken(first)).status, 200);
        refused(await backendToken(first), 401, 'invalid_client', /jti has already been used/);
        refused(await backendToken(await signAssertion(keys.ES384, claims('bk-inline', { jti, exp: nowSeconds() + 100 }))), 401, 'invalid_client', /already been used/);
        // The ledger is per client: another client may use the same jti.
        assert.equal((await backendToken(await signAssertion(keys.ES384, claims('inferno-my-clinic-bulk-client', { jti })))).status, 200);
      });
      it('jti: an assertion refused after authentication (its scope) is spent all the same, and its replay is told as one', async () => {
        const assertion = await signAssertion(keys.RS384, claims('bk-inline'));
        refused(await backendToken(assertion, 'patient/Observation.rs'), 400, 'invalid_scope');
        refused(await backendToken(assertion, 'system/*.rs'), 401, 'invalid_client', /jti has already been used/);
        const accepted = await signAssertion(keys.ES384, claims('bk-inline'));
        assert.equal((await backendToken(accepted, 'system/*.rs')).status, 200);
        refused(await backendToken(accepted, 'patient/Observation.rs'), 401, 'invalid_client', /jti has already been used/);
      });
      it('jti: sent many times at once, among fresh assertions sent at the same time, an assertion is accepted exactly once', async () => {
        const replayed = await signAssertion(keys.RS384, claims('bk-inline'));
        const fresh = await Promise.all(Array.from({ length: 12 }, () => signAssertion(keys.ES384, claims('bk-inline'))));
        const sent = [...fresh.slice(0, 6), ...Array.from({ length: 8 }, () => replayed), ...fresh.slice(6)];
        const answers = await Promise.all(sent.map((a) => backendToken(a, 'system/*.rs')));
        const ofReplayed = answers.filter((_, i) => sent[i] === replayed);
        assert.equal(ofReplayed.filter((r) => r.status === 200).length, 1, JSON.stringify(ofReplayed.map((r) => r.status)));
        for (const r of ofReplayed.filter((r) => r.status !== 200)) refused(r, 401, 'invalid_client', /already been used/);
        assert.deepEqual(answers.filter((_, i) => sent[i] !== replayed).map((r) => r.status), fresh.map(() => 200));
      });
      it('jti: two servers on the same database, each sent the same assertions at once, accept each exactly once', async (t) => {
        if (!portico.database.url) return t.skip('PGlite in memory is one process; the PostgreSQL run covers this');
        const twin = await startTwin(portico.database.url, () => clock);
        try {
          const assertions = await Promise.all(Array.from({ length: 10 }, () => signAssertion(keys.RS384, claims('bk-inline'))));
          const body = (a: string) =>
            new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: JWT_BEARER, client_assertion: a }).toString();
          const headers = { 'content-type': 'application/x-www-form-urlencoded' };
          const statuses = await Promise.all(
            assertions.flatMap((a) => [portico.app, twin.app, portico.app, twin.app].map(async (app) => ({ a, status: (await app.inject({ method: 'POST', url: '/auth/token', headers, payload: body(a) })).statusCode }))),
          );
          for (const a of assertions) {
            assert.deepEqual(statuses.filter((s) => s.a === a).map((s) => s.status).sort(), [200, 401, 401, 401]);
          }
        } finally {
          await twin.close();
        }
      });
      it('jti: the ledger is the database, so a second server on the same database refuses the replay too', async (t) => {
        if (!portico.database.url) return t.skip('PGlite in memory is one process; the PostgreSQL run covers this');
        const twin = await startTwin(portico.database.url, () => clock);
        try {
          const assertion = await signAssertion(keys.RS384, claims('bk-inline'));
          assert.equal((await backendToken(assertion)).status, 200);
          const replay = await twin.app.inject({
            method: 'POST',
            url: '/auth/token',
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            payload: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: JWT_BEARER, client_assertion: assertion }).toString(),
          });
          assert.equal(replay.statusCode, 401, replay.body);
          assert.match(replay.json<Json>().error_description as string, /already been used/);
        } finally {
          await twin.close();
        }
      });
    });

    describe('keys: jku, kid, inline jwks and jwks_uri', () => {
      it('accepts jku only when it is the registered jwks_uri, and never fetches another one', async () => {
        const jwksUri = host.url('/seed-004/.well-known/jwks.json');
        const ok = await backendToken(await signAssertion(keys.ES384, claims('inferno-my-clinic-bulk-client'), { jku: jwksUri }));
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        host.route('/evil', json({ keys: [attacker.publicJwk] }));
        refused(await backendToken(await signAssertion(attacker, claims('inferno-my-clinic-bulk-client'), { jku: host.url('/evil') })), 401, 'invalid_client', /jku/);
        refused(await backendToken(await signAssertion(keys.RS384, claims('bk-inline'), { jku: jwksUri })), 401, 'invalid_client', /jku/);
        assert.equal(host.hits('/evil'), 0, 'a jku is never fetched');
        for (const embedded of [{ jwk: attacker.publicJwk }, { x5u: host.url('/evil') }, { x5c: ['MIIB'] }]) {
          refused(await backendToken(await signAssertion(attacker, claims('inferno-my-clinic-bulk-client'), embedded)), 401, 'invalid_client', /header (jwk|x5u|x5c)/);
        }
        assert.equal(host.hits('/evil'), 0);
      });
      it('refuses an unknown kid, a missing kid, and a client with no keys', async () => {
        refused(await backendToken(await signAssertion({ ...keys.RS384, kid: 'nope' }, claims('bk-inline'))), 401, 'invalid_client', /kid/);
        const noKid = await new SignJWT(claims('bk-inline')).setProtectedHeader({ alg: 'RS384', typ: 'JWT' }).sign(keys.RS384.privateKey);
        refused(await backendToken(noKid), 401, 'invalid_client', /kid/);
        const secretOnly = await admin('PUT', '/Client/bk-secret-only', { body: { resourceType: 'Client', secret: 's3cret-value', grant_types: ['client_credentials'], scope: ['system/*.rs'] } });
        assert.equal(secretOnly.status, 201, secretOnly.text);
        refused(await backendToken(await signAssertion(keys.RS384, claims('bk-secret-only'))), 401, 'invalid_client', /no registered keys/);
      });
      it('jwks_uri: Cache-Control max-age is honoured and never exceeded; Age counts; no-store means every time', async () => {
        host.route('/cached', json({ keys: [keys.ES384.publicJwk] }, { 'cache-control': 'public, max-age=60', age: '30' }));
        await putClient('bk-cached', backendClient({ jwks_uri: host.url('/cached') }));
        const use = async () => assert.equal((await backendToken(await signAssertion(keys.ES384, claims('bk-cached')))).status, 200);
        await use();
        await use();
        assert.equal(host.hits('/cached'), 1, 'cached while fresh');
        const start = clock;
        clock = new Date(start.getTime() + 31_000);
        await use();
        assert.equal(host.hits('/cached'), 2, 'max-age 60 with Age 30 is fresh for 30 s only');
        host.route('/cached', json({ keys: [keys.ES384.publicJwk] }, { 'cache-control': 'no-store' }));
        clock = new Date(start.getTime() + 100_000);
        await use();
        await use();
        assert.equal(host.hits('/cached'), 4, 'no-store is fetched every time');
        host.route('/cached', json({ keys: [keys.ES384.publicJwk] }, { expires: new Date(0).toUTCString(), date: new Date().toUTCString() }));
        await use();
        await use();
        assert.equal(host.hits('/cached'), 6, 'an Expires in the past is not cached');
      });
      it('jwks_uri: an unknown kid re-fetches the set once (key rotation), then gives up', async () => {
        host.route('/rotating', json({ keys: [keys.ES384.publicJwk] }, { 'cache-control': 'max-age=3600' }));
        await putClient('bk-rotating', backendClient({ jwks_uri: host.url('/rotating') }));
        assert.equal((await backendToken(await signAssertion(keys.ES384, claims('bk-rotating')))).status, 200);
        host.route('/rotating', json({ keys: [rotated.publicJwk] }, { 'cache-control': 'max-age=3600' }));
        const res = await backendToken(await signAssertion(rotated, claims('bk-rotating')));
        assert.equal(res.status, 200, JSON.stringify(res.body));
        assert.equal(host.hits('/rotating'), 2);
        refused(await backendToken(await signAssertion({ ...rotated, kid: 'still-unknown' }, claims('bk-rotating'))), 401, 'invalid_client', /kid/);
        assert.equal(host.hits('/rotating'), 2, 'forced re-fetches are rate-limited');
      });
      it('jwks_uri: a redirect is not followed, an oversize or non-JSON set and a silent host are refused', async () => {
        host.route('/moved', (_req, res) => res.writeHead(302, { location: host.url('/target') }).end());
        host.route('/target', json({ keys: [keys.ES384.publicJwk] }));
        host.route('/huge', json({ keys: [keys.ES384.publicJwk], padding: 'x'.repeat(300 * 1024) }));
        host.route('/html', (_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(JSON.stringify({ keys: [keys.ES384.publicJwk] })));
        host.route('/silent', () => {});
        host.route('/missing', (_req, res) => res.writeHead(404).end());
        for (const [path, check] of [
          ['/moved', /redirect/],
          ['/huge', /exceeds/],
          ['/html', /JSON/],
          ['/silent', /did not answer within 1000 ms/],
          ['/missing', /HTTP 404/],
        ] as const) {
          const id = `bk${path.replace('/', '-')}`;
          await putClient(id, backendClient({ jwks_uri: host.url(path) }));
          refused(await backendToken(await signAssertion(keys.ES384, claims(id))), 401, 'invalid_client', check);
        }
        assert.equal(host.hits('/target'), 0, 'the redirect target is never fetched');
      });
    });

    describe('errors and other client authentication', () => {
      it('unsupported grant_type is 400 unsupported_grant_type; a wrong assertion type is invalid_client', async () => {
        const assertion = await signAssertion(keys.RS384, claims('bk-inline'));
        refused(await token({ grant_type: 'not_a_grant_type', scope: 'system/*.rs', client_assertion_type: JWT_BEARER, client_assertion: assertion }), 400, 'unsupported_grant_type', /grant_type/);
        refused(await token({ scope: 'system/*.rs', client_assertion_type: JWT_BEARER, client_assertion: assertion }), 400, 'invalid_request', /grant_type/);
        refused(await backendToken(assertion, 'system/*.rs', { client_assertion_type: 'not_an_assertion_type' }), [400, 401], 'invalid_client', /client_assertion_type/);
        refused(await backendToken('not.a.jwt'), [400, 401], 'invalid_client', /well-formed/);
        refused(await backendToken(`${assertion.slice(0, -4)}AAAA`), 401, 'invalid_client', /signature does not verify/);
        // The first attempt failed before its jti was recorded: the genuine assertion still works.
        assert.equal((await backendToken(assertion, 'system/*.rs')).status, 200);
      });
      it('scopes: requested ∩ registered, in both system/*.read and system/*.rs styles; nothing grantable is invalid_scope', async () => {
        const grant = async (clientId: string, key: TestKey, scope: string) => {
          const res = await backendToken(await signAssertion(key, claims(clientId)), scope);
          assert.equal(res.status, 200, JSON.stringify(res.body));
          return res.body.scope;
        };
        // bk-inline is registered for system/*.rs, inferno-my-clinic-bulk-client for system/*.read.
        assert.equal(await grant('bk-inline', keys.RS384, 'system/*.read'), 'system/*.read');
        assert.equal(await grant('bk-inline', keys.RS384, 'system/*.rs'), 'system/*.rs');
        assert.equal(await grant('inferno-my-clinic-bulk-client', keys.ES384, 'system/*.rs'), 'system/*.rs');
        assert.equal(await grant('bk-inline', keys.RS384, 'system/Patient.rs system/Observation.read patient/*.read system/*.write'), 'system/Patient.rs system/Observation.read');
        assert.equal(await grant('bk-inline', keys.RS384, 'system/*.cruds'), 'system/*.rs');
        refused(await backendToken(await signAssertion(keys.RS384, claims('bk-inline')), 'patient/*.read user/*.rs'), 400, 'invalid_scope');
        refused(await backendToken(await signAssertion(keys.RS384, claims('bk-inline')), ''), 400, 'invalid_request', /scope/);
      });
      it('client_secret_basic and client_secret_post work for client_credentials where the Client allows that grant', async () => {
        const secretClient = { secret: 'svc-s3cret', grant_types: ['client_credentials'], scope: ['system/*.rs'] };
        await putClient('svc-secret', secretClient);
        const viaBasic = await token({ grant_type: 'client_credentials', scope: 'system/Patient.rs' }, { authorization: basic('svc-secret', 'svc-s3cret') });
        assert.equal(viaBasic.status, 200, JSON.stringify(viaBasic.body));
        assert.equal(viaBasic.body.scope, 'system/Patient.rs');
        assert.ok(!('refresh_token' in viaBasic.body));
        const viaPost = await token({ grant_type: 'client_credentials', scope: 'system/Patient.rs', client_id: 'svc-secret', client_secret: 'svc-s3cret' });
        assert.equal(viaPost.status, 200, JSON.stringify(viaPost.body));
        refused(await token({ grant_type: 'client_credentials', scope: 'system/Patient.rs', client_id: 'svc-secret', client_secret: 'wrong' }), 401, 'invalid_client');
        await putClient('web-secret', { secret: 'web-s3cret', grant_types: ['authorization_code'], auth: { authorization_code: { redirect_uri: 'https://app.example/cb', secret_required: true } }, scope: ['system/*.rs'] });
        refused(await token({ grant_type: 'client_credentials', scope: 'system/Patient.rs' }, { authorization: basic('web-secret', 'web-s3cret') }), 400, 'unauthorized_client');
      });
    });
  });

  describe(`SMART Backend Services: jwks_uri address rules outside the sandbox (${driver})`, () => {
    let portico: TestPortico;
    let host: JwksHost;
    let key: TestKey;
    before(async () => {
      portico = await startPortico(driver, {
        MODE: 'production',
        ADMIN_CLIENT_ID: 'root',
        ADMIN_CLIENT_SECRET: 'a-production-root-secret-0123456789',
        SESSION_SECRET: 'x'.repeat(32),
        SECRETS_KEY: 'a'.repeat(64),
      });
      host = await startJwksHost();
      key = await testKey('k1', 'ES384');
      host.route('/jwks', json({ keys: [key.publicJwk] }));
      const port = new URL(host.url('/')).port;
      for (const [id, uri] of [
        ['bk-loopback', `https://127.0.0.1:${port}/jwks`],
        ['bk-mapped', `https://[::ffff:127.0.0.1]:${port}/jwks`],
        ['bk-metadata', 'https://169.254.169.254/jwks'],
        ['bk-private', 'https://10.0.0.1/jwks'],
        ['bk-http', host.url('/jwks')],
      ] as const) {
        await portico.auth.clients.put({ resourceType: 'Client', id, type: 'bulk-api-client', grant_types: ['client_credentials'], scope: ['system/*.rs'], jwks_uri: uri });
      }
    });
    after(async () => {
      await host.close();
      await portico.stop();
    });

    it('refuses loopback, link-local and private jwks_uri addresses and plain http, without connecting', async () => {
      for (const [id, check] of [
        ['bk-loopback', /loopback address/],
        ['bk-mapped', /loopback address/],
        ['bk-metadata', /link-local address/],
        ['bk-private', /private address/],
        ['bk-http', /https/],
      ] as const) {
        const assertion = await signAssertion(key, { iss: id, sub: id, aud: TOKEN_URL, exp: Math.floor(Date.now() / 1000) + 240, jti: randomUUID() });
        const res = await portico.app.inject({
          method: 'POST',
          url: '/auth/token',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          payload: new URLSearchParams({ grant_type: 'client_credentials', scope: 'system/*.rs', client_assertion_type: JWT_BEARER, client_assertion: assertion }).toString(),
        });
        assert.equal(res.statusCode, 401, res.body);
        assert.equal(res.json<Json>().error, 'invalid_client');
        assert.match(res.json<Json>().error_description as string, check);
      }
      assert.equal(host.hits('/jwks'), 0, 'nothing was fetched');
    });
  });
}

/** A second server process on the same PostgreSQL database (its own pool and caches). */
async function startTwin(databaseUrl: string, now: () => Date) {
  const config = loadConfig({ MODE: 'sandbox', SEED: 'none', LOG_LEVEL: 'silent', BASE_URL: TEST_BASE_URL, DATABASE_URL: databaseUrl, DATABASE_POOL_SIZE: '2' });
  return createPortico(config, { definitions: definitions(), now });
}
