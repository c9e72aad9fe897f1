import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, generateKeyPair, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import { loadConfig } from '../../src/config.ts';
import { createPortico, type Portico } from '../../src/portico.ts';
import { definitions, drivers, freshDatabase, PGLITE_ENV, startPortico, TEST_BASE_URL, type Driver, type TestDatabase, type TestPortico } from '../support/portico.ts';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

async function getJwks(portico: Portico) {
  const res = await portico.app.inject({ method: 'GET', url: '/.well-known/jwks.json' });
  return { res, jwks: res.json<JSONWebKeySet>() };
}

/** A Portico on a database that outlives it: a PGlite directory, or a PostgreSQL database. */
async function persistentDatabase(driver: Driver): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  if (driver === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'portico-keys-'));
    return { env: { DATA_DIR: dir, ...PGLITE_ENV }, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const db: TestDatabase = await freshDatabase(driver);
  return { env: { DATABASE_URL: db.url ?? '' }, drop: () => db.drop() };
}

function openPortico(env: Record<string, string>): Promise<Portico> {
  const config = loadConfig({ MODE: 'sandbox', SEED: 'none', LOG_LEVEL: 'silent', BASE_URL: TEST_BASE_URL, DATABASE_POOL_SIZE: '4', ...env });
  return createPortico(config, { definitions: definitions() });
}

for (const driver of drivers) {
  describe(`JWKS (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, { ACCESS_TOKEN_SIGNING_ALG: 'ES384' });
    });
    after(() => portico.stop());

    it('publishes one RS256 and one access-token key, public parts only, to any origin', async () => {
      const { res, jwks } = await getJwks(portico);
      assert.equal(res.statusCode, 200);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      assert.deepEqual(jwks.keys.map((k) => k.alg).sort(), ['ES384', 'RS256']);
      for (const key of jwks.keys) {
        assert.equal(key.use, 'sig');
        assert.match(String(key.kid), /^[A-Za-z0-9_-]{43}$/);
        for (const m of PRIVATE_MEMBERS) assert.equal(m in key, false, `${key.alg} key exposes ${m}`);
      }
      const rsa = jwks.keys.find((k) => k.alg === 'RS256');
      assert.equal(rsa?.kty, 'RSA');
      assert.ok(rsa?.n && rsa.e);
      assert.equal(jwks.keys.find((k) => k.alg === 'ES384')?.crv, 'P-384');
      // The same keys on every request.
      assert.deepEqual((await getJwks(portico)).jwks, jwks);
    });

    it('a JWT signed with signingKey() verifies against the published JWKS', async () => {
      const { jwks } = await getJwks(portico);
      for (const alg of ['RS256', 'ES384'] as const) {
        const { kid, key } = await portico.signingKeys.signingKey(alg);
        const jwt = await new SignJWT({ scope: 'patient/*.read' }).setProtectedHeader({ alg, kid }).setIssuer(TEST_BASE_URL).setExpirationTime('5m').sign(key);
        const { payload, protectedHeader } = await jwtVerify(jwt, createLocalJWKSet(jwks), { issuer: TEST_BASE_URL });
        assert.equal(payload.scope, 'patient/*.read');
        assert.equal(protectedHeader.kid, kid);
        assert.equal((await portico.signingKeys.verificationKey(kid))?.alg, alg);
      }
      assert.equal(await portico.signingKeys.verificationKey('no-such-kid'), undefined);
    });

    it('a JWT signed with a key Portico does not have fails verification', async () => {
      const { kid } = await portico.signingKeys.signingKey('RS256');
      const { privateKey } = await generateKeyPair('RS256');
      const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid }).sign(privateKey);
      await assert.rejects(jwtVerify(jwt, createLocalJWKSet((await getJwks(portico)).jwks)));
    });
  });

  describe(`signing keys persist (${driver})`, () => {
    let database: Awaited<ReturnType<typeof persistentDatabase>>;
    before(async () => {
      database = await persistentDatabase(driver);
    });
    after(() => database.drop());

    it('keeps the same kids across a restart', async () => {
      const first = await openPortico(database.env);
      let before: JSONWebKeySet;
      let jwt: string;
      try {
        before = (await getJwks(first)).jwks;
        const { kid, key } = await first.signingKeys.signingKey('RS256');
        jwt = await new SignJWT({ sub: 'x' }).setProtectedHeader({ alg: 'RS256', kid }).sign(key);
      } finally {
        await first.close();
      }
      const second = await openPortico(database.env);
      try {
        const after = (await getJwks(second)).jwks;
        assert.deepEqual(after, before);
        await jwtVerify(jwt, createLocalJWKSet(after));
      } finally {
        await second.close();
      }
    });

    if (driver === 'postgres') {
      it('two processes starting together on one database create one key set', async () => {
        const shared = await persistentDatabase(driver);
        try {
          const [a, b] = await Promise.all([openPortico(shared.env), openPortico(shared.env)]);
          try {
            const [ja, jb] = await Promise.all([getJwks(a), getJwks(b)]);
            assert.equal(ja.jwks.keys.length, 1);
            assert.deepEqual(ja.jwks, jb.jwks);
          } finally {
            await Promise.all([a.close(), b.close()]);
          }
        } finally {
          await shared.drop();
        }
      });
    }
  });
}
