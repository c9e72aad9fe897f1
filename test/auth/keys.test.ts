import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify, SignJWT } from 'jose';
import { createSigningKeys, type SigningKeys, type SigningKeysOptions } from '../../src/auth/keys/signing-keys.ts';
import { openDatabase, type Database } from '../../src/storage/database.ts';
import { createSigningKeyStore } from '../../src/storage/keys/signing-key-store.ts';
import { migrate } from '../../src/storage/migrate.ts';
import { drivers, freshDatabase, type TestDatabase } from '../support/portico.ts';

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];

for (const driver of drivers) {
  describe(`SigningKeys over the key table (${driver})`, () => {
    let database: TestDatabase;
    let db: Database;
    let clock = Date.parse('2026-01-01T00:00:00Z');
    // Two instances on one database stand for two server processes.
    const keysFor = (options: Partial<SigningKeysOptions> = {}): SigningKeys =>
      createSigningKeys({ store: createSigningKeyStore(db), now: () => new Date(clock), accessTokenAlg: 'ES256', retireAfterDays: 0, ...options });

    before(async () => {
      database = await freshDatabase(driver);
      db = await openDatabase({ databaseUrl: database.url, dataDir: 'memory://', poolSize: 4 });
      await migrate(db);
    });
    after(async () => {
      await db.close();
      await database.drop();
    });

    it('two processes creating keys together make one key set', async () => {
      const [a, b] = [keysFor(), keysFor()];
      await Promise.all([a.ensure(), b.ensure(), a.jwks(), b.signingKey('RS256')]);
      const [ja, jb] = await Promise.all([a.jwks(), b.jwks()]);
      assert.deepEqual(ja.keys.map((k) => k.alg).sort(), ['ES256', 'RS256']);
      assert.deepEqual(ja, jb);
      for (const key of ja.keys) for (const m of PRIVATE_MEMBERS) assert.equal(m in key, false);
    });

    it('a rotation by another process is published at once and signs after the refresh interval', async () => {
      const server = keysFor({ refreshIntervalMs: 60_000 });
      const cli = keysFor();
      const before = await server.signingKey('RS256');
      const jwt = await new SignJWT({}).setProtectedHeader({ alg: 'RS256', kid: before.kid }).sign(before.key);

      const rotated = await cli.rotate();
      const fresh = rotated.find((k) => k.alg === 'RS256');
      assert.ok(fresh && fresh.kid !== before.kid);
      assert.deepEqual(rotated.map((k) => k.status), ['active', 'active']);

      // The JWKS re-reads every time: both keys are published before anything signs with the new one.
      const jwks = await server.jwks();
      assert.ok(jwks.keys.some((k) => k.kid === fresh.kid));
      await jwtVerify(jwt, createLocalJWKSet(jwks));
      assert.equal((await server.verificationKey(fresh.kid))?.alg, 'RS256');

      clock += 61_000;
      assert.equal((await server.signingKey('RS256')).kid, fresh.kid);
      assert.equal((await server.verificationKey(before.kid))?.kid, before.kid, 'the superseded key still verifies');
    });

    it('an unknown kid makes a process re-read the table', async () => {
      const server = keysFor({ refreshIntervalMs: 3_600_000 });
      await server.jwks();
      const [newKey] = await keysFor().rotate();
      assert.ok(newKey);
      clock += 2_000;
      assert.equal((await server.verificationKey(newKey.kid))?.kid, newKey.kid);
    });

    it('refuses to retire an active key or an unknown kid; retired keys stop verifying', async () => {
      const keys = keysFor();
      const active = await keys.signingKey('ES256');
      await assert.rejects(keys.retire(active.kid), /active ES256 key/);
      await assert.rejects(keys.retire('nope'), /no signing key with kid nope/);
      const superseded = (await keys.list()).find((k) => k.alg === 'ES256' && k.status === 'verifying');
      assert.ok(superseded);
      await keys.retire(superseded.kid);
      assert.equal(await keys.verificationKey(superseded.kid), undefined);
      assert.equal((await keys.jwks()).keys.some((k) => k.kid === superseded.kid), false);
    });

    it('signs only with configured algorithms', async () => {
      await assert.rejects(keysFor().signingKey('ES384'), /no signing key is configured for ES384/);
    });
  });
}
