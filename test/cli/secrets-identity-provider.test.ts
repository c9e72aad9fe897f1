import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { persistentDatabase, portico, withPortico } from '../support/audit-cli.ts';
import { drivers } from '../support/portico.ts';
import { consoleEnv, rootPut } from '../http/console-support.ts';

const OLD = Buffer.alloc(32, 3).toString('base64url');
const NEW = Buffer.alloc(32, 4).toString('base64url');
const SECRET = 'upstream-client-secret-to-rekey-0123456789';

for (const driver of drivers) {
  describe(`portico secrets rekey: identity providers' client secrets (${driver})`, () => {
    let database: Awaited<ReturnType<typeof persistentDatabase>>;
    before(async () => {
      const made = await persistentDatabase(driver);
      database = { ...made, env: { ...made.env, ...consoleEnv('sandbox') } };
    });
    after(() => database.drop());

    it('moves them to SECRETS_KEY with the client secrets; without the old key they are reported and SECRETS_KEY_PREVIOUS is not declared removable', async () => {
      const stored = () =>
        withPortico({ ...database.env, SECRETS_KEY: OLD }, async (p) => (await p.db.query<{ s: string }>(`SELECT content->>'client_secret' AS s FROM auth_identity_provider WHERE id = 'rekeyed-sso'`))[0]?.s ?? '');
      await withPortico({ ...database.env, SECRETS_KEY: OLD }, async (p) => {
        await rootPut(p.app, '/IdentityProvider/rekeyed-sso', { title: 'Rekeyed SSO', issuer: 'https://login.example.org', client_id: 'portico', client_secret: SECRET });
      });
      const before = await stored();
      assert.ok(before.length > 0);
      assert.ok(!before.includes(SECRET), 'sealed, never in clear');

      const missing = await portico(['secrets', 'rekey'], { ...database.env, SECRETS_KEY: NEW });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /1 identity providers' client secrets could not be decrypted[\s\S]*IdentityProvider\/rekeyed-sso/);
      assert.doesNotMatch(missing.stdout, /SECRETS_KEY_PREVIOUS can now be removed/);
      assert.equal(await stored(), before, 'left as it was');

      const moved = await portico(['secrets', 'rekey'], { ...database.env, SECRETS_KEY: NEW, SECRETS_KEY_PREVIOUS: OLD });
      assert.equal(moved.code, 0, moved.stderr);
      assert.match(moved.stdout, /re-encrypted 1 identity providers' client secrets under key \S+; 0 already were/);
      assert.match(moved.stdout, /SECRETS_KEY_PREVIOUS can now be removed/);
      assert.ok(!(moved.stdout + moved.stderr).includes(SECRET));
      assert.notEqual(await stored(), before);

      // The new key alone opens it now.
      const again = await portico(['secrets', 'rekey'], { ...database.env, SECRETS_KEY: NEW });
      assert.equal(again.code, 0, again.stderr);
      assert.match(again.stdout, /re-encrypted 0 identity providers' client secrets under key \S+; 1 already were/);
    });
  });
}
