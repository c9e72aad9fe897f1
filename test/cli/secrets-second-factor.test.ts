import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { persistentDatabase, portico, withPortico } from '../support/audit-cli.ts';
import { drivers } from '../support/portico.ts';
import { consoleEnv, currentStep, rootPut, totpCodeAt } from '../http/console-support.ts';
import { browser, csrfTokenIn } from '../http/login-support.ts';

const OLD = Buffer.alloc(32, 1).toString('base64url');
const NEW = Buffer.alloc(32, 2).toString('base64url');
const ADMIN = { email: 'rekeyed-admin@example.org', password: 'a-rekeyed-admin-password' };

/**
 * Signs in and presents (or, the first time, enrols) the second factor with the code of the current time step, or
 * of the one after `after` when that is later (each step is accepted once); the status of the last answer.
 */
async function signInWithCode(app: FastifyInstance, secret: string | undefined, after = 0): Promise<{ status: number; secret: string; step: number }> {
  const b = browser(app);
  assert.equal((await b.signIn(ADMIN.email, ADMIN.password, '/admin')).statusCode, 303);
  const step = Math.max(currentStep(), after + 1);
  if (secret === undefined) {
    const page = await b.get('/admin/second-factor/enrol');
    const enrolled = /id="totp-secret" type="text" readonly value="([A-Z2-7]+)"/.exec(page.body)?.[1] ?? '';
    const res = await b.post('/admin/second-factor/enrol', { csrf_token: csrfTokenIn(page.body), code: totpCodeAt(enrolled, step) });
    return { status: res.statusCode, secret: enrolled, step };
  }
  const page = await b.get('/admin/second-factor');
  const res = await b.post('/admin/second-factor', { csrf_token: csrfTokenIn(page.body), code: totpCodeAt(secret, step) });
  return { status: res.statusCode, secret, step };
}

for (const driver of drivers) {
  describe(`portico secrets rekey: administrators' TOTP secrets (${driver})`, () => {
    let database: Awaited<ReturnType<typeof persistentDatabase>>;
    before(async () => {
      const made = await persistentDatabase(driver);
      // The console's root client secret, for rootPut.
      database = { ...made, env: { ...made.env, ...consoleEnv('sandbox') } };
    });
    after(() => database.drop());

    it('moves them to SECRETS_KEY with the client secrets; without the old key they are reported, not lost', async () => {
      const { secret, step } = await withPortico({ ...database.env, SECRETS_KEY: OLD }, async (p) => {
        await rootPut(p.app, '/User/rekeyed-admin', { resourceType: 'User', ...ADMIN, roles: ['admin'] });
        const enrolled = await signInWithCode(p.app, undefined);
        assert.equal(enrolled.status, 200);
        return enrolled;
      });
      const stored = async () => withPortico({ ...database.env, SECRETS_KEY: OLD }, async (p) => (await p.db.query<{ s: string }>('SELECT totp_secret AS s FROM auth_second_factor'))[0]?.s ?? '');
      const before = await stored();
      assert.doesNotMatch(before, new RegExp(secret), 'sealed, never in clear');

      const missing = await portico(['secrets', 'rekey'], { ...database.env, SECRETS_KEY: NEW });
      assert.equal(missing.code, 1);
      assert.match(missing.stderr, /1 TOTP secrets could not be decrypted[\s\S]*User\/rekeyed-admin/);
      assert.doesNotMatch(missing.stdout, /SECRETS_KEY_PREVIOUS can now be removed/);

      const moved = await portico(['secrets', 'rekey'], { ...database.env, SECRETS_KEY: NEW, SECRETS_KEY_PREVIOUS: OLD });
      assert.equal(moved.code, 0, moved.stderr);
      assert.match(moved.stdout, /re-encrypted 1 administrators' TOTP secrets under key \S+; 0 already were/);
      assert.ok(!(moved.stdout + moved.stderr).includes(secret));

      // With the new key alone, the administrator still presents their codes.
      await withPortico({ ...database.env, SECRETS_KEY: NEW }, async (p) => {
        assert.equal((await signInWithCode(p.app, secret, step)).status, 303);
      });
    });
  });
}
