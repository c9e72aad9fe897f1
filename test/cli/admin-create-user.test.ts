import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { auditEvents } from '../support/audit-read.ts';
import { persistentDatabase, portico, withPortico } from '../support/audit-cli.ts';
import { drivers } from '../support/portico.ts';
import { ROOT_AUTHORIZATION } from '../support/fhir-client.ts';
import { consoleBrowser } from '../http/console-support.ts';
import { browser } from '../http/login-support.ts';

async function* lines(text: string): AsyncIterable<string> {
  yield text;
}

for (const driver of drivers) {
  describe(`portico admin create-user (${driver})`, () => {
    let database: Awaited<ReturnType<typeof persistentDatabase>>;
    before(async () => {
      database = await persistentDatabase(driver);
    });
    after(() => database.drop());

    it('makes the first administrator with a password printed once; they open the console; the operator is recorded', async () => {
      const made = await portico(['admin', 'create-user', '--email', 'first@example.org', '--name', 'First Admin'], database.env);
      assert.equal(made.code, 0, made.stderr);
      const id = /created User\/(\S+) \(first@example\.org\), administrator of the deployment/.exec(made.stdout)?.[1];
      const password = /^password: (\S+)$/m.exec(made.stdout)?.[1];
      assert.ok(id && password && password.length >= 32, made.stdout);
      await withPortico(database.env, async (p) => {
        const b = await consoleBrowser(p.app, { email: 'first@example.org', password });
        assert.match((await b.get('/admin')).body, /First Admin/);
        const user = await p.app.inject({ method: 'GET', url: `/User/${id}`, headers: { authorization: ROOT_AUTHORIZATION } });
        assert.deepEqual(user.json<{ roles: string[] }>().roles, ['admin']);
        const created = (await auditEvents(p, { subtype: 'user-created' })).filter((e) => e.entity?.[0]?.what?.identifier?.value === id);
        assert.equal(created.length, 1);
        assert.equal(created[0]?.agent[0]?.who?.display, 'operator (portico admin create-user)');
        assert.ok(!JSON.stringify(created).includes(password));
      });
    });

    it('an existing email is refused with a clear error', async () => {
      const again = await portico(['admin', 'create-user', '--email', 'First@Example.org'], database.env);
      assert.equal(again.code, 1);
      assert.match(again.stderr, /email/i);
      assert.doesNotMatch(again.stdout, /password/);
    });

    it("--tenant makes a tenant's administrator; an unknown tenant is refused", async () => {
      const unknown = await portico(['admin', 'create-user', '--email', 'south@example.org', '--tenant', 'south'], database.env);
      assert.equal(unknown.code, 1);
      assert.match(unknown.stderr, /there is no tenant "south"/);
      await withPortico(database.env, async (p) => {
        const res = await p.app.inject({
          method: 'PUT',
          url: '/Tenant/south',
          headers: { authorization: ROOT_AUTHORIZATION, 'content-type': 'application/json' },
          payload: JSON.stringify({ resourceType: 'Tenant', name: 'South Clinic', active: true }),
        });
        assert.equal(res.statusCode, 201, res.body);
      });
      const made = await portico(['admin', 'create-user', '--email', 'south@example.org', '--tenant', 'south', '--password-stdin'], database.env, {
        stdin: lines('a-south-admin-password\nignored\n'),
      });
      assert.equal(made.code, 0, made.stderr);
      assert.match(made.stdout, /administrator of tenant south \(\/t\/south\/admin\)/);
      assert.doesNotMatch(made.stdout, /password/);
      await withPortico(database.env, async (p) => {
        await consoleBrowser(p.app, { email: 'south@example.org', password: 'a-south-admin-password' }, '/t/south');
        // The tenant's account is nobody at the root URLs.
        assert.equal((await browser(p.app).signIn('south@example.org', 'a-south-admin-password', '/admin')).statusCode, 401);
      });
    });

    it('reports bad usage with exit code 2', async () => {
      const missing = await portico(['admin', 'create-user', '--tenant', 'south'], database.env);
      assert.equal(missing.code, 2);
      assert.match(missing.stderr, /--email is required/);
      const unknown = await portico(['admin', 'delete-user'], database.env);
      assert.equal(unknown.code, 2);
      const flag = await portico(['admin', 'create-user', '--email', 'x@example.org', '--role', 'root'], database.env);
      assert.equal(flag.code, 2);
    });
  });
}
