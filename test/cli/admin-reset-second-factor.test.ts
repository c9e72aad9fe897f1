import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditEvents } from '../support/audit-read.ts';
import { persistentDatabase, portico, withPortico } from '../support/audit-cli.ts';
import { drivers } from '../support/portico.ts';
import { consoleBrowser, consoleEnv, ROOT_SECRET } from '../http/console-support.ts';
import { browser } from '../http/login-support.ts';

const ADMIN = { email: 'lost-phone@example.org', password: 'a-lost-phone-admin-password' };

async function* lines(text: string): AsyncIterable<string> {
  yield text;
}

/** An administrator who lost their authenticator and recovery codes gets back in through the operator's command. */
for (const driver of drivers) {
  describe(`portico admin reset-second-factor (${driver})`, () => {
    let database: Awaited<ReturnType<typeof persistentDatabase>>;
    let env: Record<string, string>;
    let cookies: Map<string, string>;
    before(async () => {
      database = await persistentDatabase(driver);
      // Production: the second factor is required, so an administrator without one must enrol.
      env = { ...database.env, ...consoleEnv('production') };
      const made = await portico(['admin', 'create-user', '--email', ADMIN.email, '--password-stdin'], env, { stdin: lines(`${ADMIN.password}\n`) });
      assert.equal(made.code, 0, made.stderr);
      // Signed in and enrolled: the console opens for this session.
      cookies = await withPortico(env, async (p) => {
        const b = await consoleBrowser(p.app, ADMIN);
        assert.equal((await b.get('/admin')).statusCode, 200);
        return new Map(b.jar.cookies);
      });
    });
    after(() => database.drop());

    it("removes the factor: the session that presented it must enrol anew, the change is the operator's", async () => {
      const reset = await portico(['admin', 'reset-second-factor', '--email', 'Lost-Phone@example.org'], env);
      assert.equal(reset.code, 0, reset.stderr);
      assert.match(reset.stdout, /removed the second factor of User\/\S+ \(Lost-Phone@example\.org\)/);
      await withPortico(env, async (p) => {
        const b = browser(p.app);
        for (const [name, value] of cookies) b.jar.cookies.set(name, value);
        // Still signed in, but no longer past the second factor: sent to it, where a new one is enrolled.
        const page = await b.get('/admin');
        assert.equal(page.statusCode, 303);
        assert.match(String(page.headers.location), /^\/admin\/second-factor\?return_to=/);
        const events = await auditEvents({ ...p, config: { admin: { clientId: 'root', clientSecret: ROOT_SECRET } } }, { subtype: 'user-second-factor-reset' });
        assert.equal(events.length, 1);
        assert.equal(events[0]?.agent[0]?.who?.display, 'operator (portico admin reset-second-factor)');
        // A fresh sign-in enrols a new factor and opens the console again.
        assert.equal((await (await consoleBrowser(p.app, ADMIN)).get('/admin')).statusCode, 200);
      });
    });

    it('refuses an unknown email, and a User without a second factor, with exit code 1; bad usage with 2', async () => {
      const unknown = await portico(['admin', 'reset-second-factor', '--email', 'nobody@example.org'], env);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /there is no User with the email nobody@example\.org/);
      const made = await portico(['admin', 'create-user', '--email', 'fresh@example.org', '--password-stdin'], env, { stdin: lines('a-fresh-admin-password\n') });
      assert.equal(made.code, 0, made.stderr);
      const none = await portico(['admin', 'reset-second-factor', '--email', 'fresh@example.org'], env);
      assert.equal(none.code, 1);
      assert.match(none.stderr, /has no second factor/);
      assert.equal((await portico(['admin', 'reset-second-factor'], env)).code, 2);
      assert.equal((await portico(['admin', 'reset-second-factor', '--email', ADMIN.email, '--tenant', 'x'], env)).code, 2);
    });
  });
}
