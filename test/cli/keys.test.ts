import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createLocalJWKSet, jwtVerify, SignJWT, type JSONWebKeySet } from 'jose';
import { runCli } from '../../src/cli/portico.ts';
import { loadConfig } from '../../src/config.ts';
import { createPortico, type Portico, type PorticoOverrides } from '../../src/portico.ts';
import { definitions, drivers, freshDatabase, TEST_BASE_URL, type Driver } from '../support/portico.ts';

const BASE_ENV = { MODE: 'sandbox', SEED: 'none', LOG_LEVEL: 'silent', BASE_URL: TEST_BASE_URL, DATABASE_POOL_SIZE: '4' };

async function persistentDatabase(driver: Driver): Promise<{ env: Record<string, string>; drop: () => Promise<void> }> {
  if (driver === 'pglite') {
    const dir = await mkdtemp(join(tmpdir(), 'portico-cli-keys-'));
    return { env: { DATA_DIR: dir, DATABASE: 'pglite' }, drop: () => rm(dir, { recursive: true, force: true }) };
  }
  const db = await freshDatabase(driver);
  return { env: { DATABASE_URL: db.url ?? '' }, drop: () => db.drop() };
}

/** Runs `portico <args>` in-process, as bin/portico.js does. */
async function portico(args: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t), isTTY: false } as never,
    env: { ...BASE_ENV, ...env },
    now: () => new Date(),
  });
  return { code, stdout, stderr };
}

/** Runs fn against a Portico on the database, closing it afterwards (PGlite allows one process at a time). */
async function withPortico<T>(env: Record<string, string>, fn: (p: Portico) => Promise<T>, overrides: PorticoOverrides = {}): Promise<T> {
  const p = await createPortico(loadConfig({ ...BASE_ENV, ...env }), { definitions: definitions(), ...overrides });
  try {
    return await fn(p);
  } finally {
    await p.close();
  }
}

async function jwksOf(p: Portico): Promise<JSONWebKeySet> {
  return (await p.app.inject({ method: 'GET', url: '/.well-known/jwks.json' })).json<JSONWebKeySet>();
}

for (const driver of drivers) {
  describe(`portico keys (${driver})`, () => {
    let database: Awaited<ReturnType<typeof persistentDatabase>>;
    before(async () => {
      database = await persistentDatabase(driver);
    });
    after(() => database.drop());

    it('rotate adds a new active key while the old one keeps verifying; retire stops publishing it', async () => {
      const { oldKid, jwt } = await withPortico(database.env, async (p) => {
        const { kid, key } = await p.signingKeys.signingKey('RS256');
        return { oldKid: kid, jwt: await new SignJWT({ sub: 'a' }).setProtectedHeader({ alg: 'RS256', kid }).sign(key) };
      });

      const rotated = await portico(['keys', 'rotate'], database.env);
      assert.equal(rotated.code, 0, rotated.stderr);
      const newKid = /added RS256 key (\S+)/.exec(rotated.stdout)?.[1];
      assert.ok(newKid && newKid !== oldKid, rotated.stdout);
      assert.match(rotated.stdout, new RegExp(`${oldKid}\\s+RS256\\s+\\S+\\s+verifying`));
      assert.doesNotMatch(rotated.stdout + rotated.stderr, /"d"|PRIVATE/i);

      await withPortico(database.env, async (p) => {
        const jwks = await jwksOf(p);
        assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [oldKid, newKid].sort());
        await jwtVerify(jwt, createLocalJWKSet(jwks));
        assert.equal((await p.signingKeys.signingKey('RS256')).kid, newKid);
      });

      // The active key cannot be retired; the superseded one can.
      const refused = await portico(['keys', 'retire', newKid], database.env);
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /active RS256 key; run "portico keys rotate" first/);
      const retired = await portico(['keys', 'retire', oldKid], database.env);
      assert.equal(retired.code, 0, retired.stderr);

      await withPortico(database.env, async (p) => {
        const jwks = await jwksOf(p);
        assert.deepEqual(jwks.keys.map((k) => k.kid), [newKid]);
        await assert.rejects(jwtVerify(jwt, createLocalJWKSet(jwks)));
        assert.equal(await p.signingKeys.verificationKey(oldKid), undefined);
      });

      const listed = await portico(['keys', 'list'], database.env);
      assert.match(listed.stdout, new RegExp(`${oldKid}\\s+RS256\\s+\\S+\\s+retired`));
      assert.match(listed.stdout, new RegExp(`${newKid}\\s+RS256\\s+\\S+\\s+active`));
    });

    it('SIGNING_KEY_RETIRE_AFTER_DAYS stops publishing superseded keys that old', async () => {
      assert.equal((await portico(['keys', 'rotate'], database.env)).code, 0);
      const env = { ...database.env, SIGNING_KEY_RETIRE_AFTER_DAYS: '1' };
      const published = (days: number) =>
        withPortico(env, async (p) => (await jwksOf(p)).keys.length, { now: () => new Date(Date.now() + days * 86_400_000) });
      // One day after the rotation the superseded key still verifies; two days after, only the active key is left.
      assert.equal(await published(0.5), 2);
      assert.equal(await published(2), 1);
    });

    it('reports bad usage with exit code 2', async () => {
      const res = await portico(['keys', 'spin'], database.env);
      assert.equal(res.code, 2);
      assert.match(res.stderr, /expected list, rotate or retire/);
    });
  });
}
