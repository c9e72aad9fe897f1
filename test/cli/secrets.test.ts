import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { runCli } from '../../src/cli/portico.ts';
import { secretKeyId } from '../../src/auth/secrets/secret-cipher.ts';
import type { Portico } from '../../src/portico.ts';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { PERSISTENT_BASE_ENV, persistentDatabase, withPortico, type PersistentDatabase } from '../support/persistent-database.ts';
import { drivers } from '../support/portico.ts';

const OLD_KEY = randomBytes(32);
const NEW_KEY = randomBytes(32);
const OLD = OLD_KEY.toString('base64url');
const NEW = NEW_KEY.toString('hex');
const SECRETS: Record<string, string> = { 'rekey-a': 'rekey-a-secret-value', 'rekey-b': 'rekey-b-secret-value', 'rekey-legacy': 'rekey-legacy-secret-value' };

/** Runs `portico <args>` in-process, as bin/portico.js does. */
async function portico(args: string[], env: Record<string, string>) {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t), isTTY: false } as never,
    env: { ...PERSISTENT_BASE_ENV, ...env },
    now: () => new Date(),
  });
  return { code, stdout, stderr };
}

const tokenStatus = async (app: FastifyInstance, clientId: string) =>
  (
    await app.inject({
      method: 'POST',
      url: '/auth/token',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: basic(clientId, SECRETS[clientId] ?? '') },
      payload: 'grant_type=client_credentials&scope=system%2FPatient.rs',
    })
  ).statusCode;

/** The key id each Client's stored secret names (`clear` for one that is not encrypted). */
async function storedKeys(p: Portico): Promise<Record<string, string>> {
  const rows = await p.db.query<{ id: string; secret: string }>(`SELECT id, content->>'secret' AS secret FROM auth_client WHERE id LIKE 'rekey-%' ORDER BY id`);
  return Object.fromEntries(rows.map((r) => [r.id, /^v1\.([0-9a-f]{8})\./.exec(r.secret)?.[1] ?? 'clear']));
}

for (const driver of drivers) {
  describe(`portico secrets rekey (${driver})`, () => {
    let database: PersistentDatabase;
    const oldId = secretKeyId(OLD_KEY);
    const newId = secretKeyId(NEW_KEY);
    before(async () => {
      database = await persistentDatabase(driver, 'portico-cli-secrets-');
      await withPortico(database, { SECRETS_KEY: OLD }, async (p) => {
        const send = adminHttp(p.app);
        for (const id of ['rekey-a', 'rekey-b']) {
          const res = await send('PUT', `/Client/${id}`, { body: { secret: SECRETS[id], grant_types: ['client_credentials'], scope: ['system/Patient.rs'] } });
          assert.equal(res.status, 201, res.text);
        }
        // A clear secret an older version left while this one ran (the start-up encryption has already run).
        await p.db.query(`INSERT INTO auth_client (id, version_id, last_updated, tenant, content) VALUES ('rekey-legacy', 1, now(), '', $1::jsonb)`, [
          JSON.stringify({ resourceType: 'Client', id: 'rekey-legacy', meta: { versionId: '1' }, secret: SECRETS['rekey-legacy'], grant_types: ['client_credentials'], scope: ['system/Patient.rs'] }),
        ]);
        assert.deepEqual(await storedKeys(p), { 'rekey-a': oldId, 'rekey-b': oldId, 'rekey-legacy': 'clear' });
      });
    });
    after(() => database.drop());

    it('without the key that encrypted them: reports those secrets, leaves them as they are, exit code 1', async () => {
      const res = await portico(['secrets', 'rekey'], { ...database.env, SECRETS_KEY: NEW });
      assert.equal(res.code, 1, res.stdout + res.stderr);
      assert.match(res.stdout, new RegExp(`re-encrypted 1 client secrets under key ${newId} \\(0 from an older key, 1 stored in clear text\\); 0 already were`));
      assert.match(res.stderr, /2 client secrets could not be decrypted/);
      assert.match(res.stderr, new RegExp(`Client/rekey-a: it was encrypted under key ${oldId}, which is neither SECRETS_KEY nor one of SECRETS_KEY_PREVIOUS`));
      assert.match(res.stderr, /Client\/rekey-b:/);
      for (const secret of Object.values(SECRETS)) assert.ok(!(res.stdout + res.stderr).includes(secret), 'no secret printed');

      await withPortico(database, { SECRETS_KEY: NEW }, async (p) => {
        assert.deepEqual(await storedKeys(p), { 'rekey-a': oldId, 'rekey-b': oldId, 'rekey-legacy': newId });
        assert.equal(await tokenStatus(p.app, 'rekey-a'), 401, 'the old key is still needed');
        assert.equal(await tokenStatus(p.app, 'rekey-legacy'), 200);
      });
    });

    it('with SECRETS_KEY_PREVIOUS: re-encrypts under SECRETS_KEY and reports how many; afterwards the old key can go', async () => {
      const res = await portico(['secrets', 'rekey'], { ...database.env, SECRETS_KEY: NEW, SECRETS_KEY_PREVIOUS: OLD });
      assert.equal(res.code, 0, res.stdout + res.stderr);
      assert.match(res.stdout, new RegExp(`re-encrypted 2 client secrets under key ${newId} \\(2 from an older key, 0 stored in clear text\\); 1 already were`));
      assert.match(res.stdout, /SECRETS_KEY_PREVIOUS can now be removed/);
      assert.equal(res.stderr, '');

      // Only the new key from now on.
      await withPortico(database, { SECRETS_KEY: NEW }, async (p) => {
        assert.deepEqual(await storedKeys(p), { 'rekey-a': newId, 'rekey-b': newId, 'rekey-legacy': newId });
        for (const id of Object.keys(SECRETS)) assert.equal(await tokenStatus(p.app, id), 200, id);
      });
      // Idempotent.
      const again = await portico(['secrets', 'rekey'], { ...database.env, SECRETS_KEY: NEW });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /re-encrypted 0 client secrets .*; 3 already were/);
      // And the old key alone no longer opens them.
      await withPortico(database, { SECRETS_KEY: OLD }, async (p) => assert.equal(await tokenStatus(p.app, 'rekey-a'), 401));
    });

    it('reports bad usage and bad keys with exit code 2, without repeating the key', async () => {
      const unknown = await portico(['secrets', 'spin'], database.env);
      assert.equal(unknown.code, 2);
      assert.match(unknown.stderr, /expected rekey/);
      const help = await portico(['secrets', '--help'], database.env);
      assert.equal(help.code, 0);
      assert.match(help.stdout, /SECRETS_KEY_PREVIOUS/);
      const badKey = await portico(['secrets', 'rekey'], { ...database.env, SECRETS_KEY: 'too-short-to-be-a-key' });
      assert.equal(badKey.code, 2);
      assert.match(badKey.stderr, /SECRETS_KEY \(value not shown\): must be 32 bytes/);
      assert.ok(!badKey.stderr.includes('too-short-to-be-a-key'));
    });
  });
}
