import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readEvent } from '../support/audit-events.ts';
import { persistentDatabase, portico, withPortico } from '../support/audit-cli.ts';
import { drivers } from '../support/portico.ts';

for (const driver of drivers) {
  describe(`portico audit verify (${driver})`, () => {
    let database: Awaited<ReturnType<typeof persistentDatabase>>;
    before(async () => {
      database = await persistentDatabase(driver);
    });
    after(() => database.drop());

    it('exits 0 over intact chains, then 1 naming the chain and seq an SQL UPDATE tampered with', async () => {
      const chain = await withPortico(database.env, async (p) => {
        await Promise.all(Array.from({ length: 30 }, (_, n) => p.audit.record(n % 3 === 0 ? 'acme' : 'default', readEvent(n))));
        const [row] = await p.db.query<{ chain: string }>(`SELECT chain FROM audit_event WHERE tenant = 'acme' LIMIT 1`);
        return row?.chain ?? assert.fail('no event of acme');
      });

      const intact = await portico(['audit', 'verify'], database.env);
      assert.equal(intact.code, 0, intact.stderr);
      assert.equal(intact.stdout, 'audit trail intact: 30 events in 2 chains verified\n');
      const acme = await portico(['audit', 'verify', '--tenant', 'acme', '--since', '2000-01-01'], database.env);
      assert.equal(acme.code, 0, acme.stderr);
      assert.equal(acme.stdout, 'audit trail intact: 10 events in 1 chain verified\n');

      await withPortico(database.env, (p) =>
        p.db.query(`UPDATE audit_event SET resource = jsonb_set(resource, '{outcome}', '"8"') WHERE chain = $1 AND seq = 4`, [chain]));
      const broken = await portico(['audit', 'verify', '--tenant', 'acme'], database.env);
      assert.equal(broken.code, 1, broken.stdout + broken.stderr);
      assert.equal(broken.stdout, `audit trail broken: chain ${chain} seq 4: hash mismatch (3 events in 1 chain verified before it)\n`);
      // The other tenant's chain still verifies on its own.
      assert.equal((await portico(['audit', 'verify', '--tenant', 'default'], database.env)).code, 0);
    });

    it('exits 2 on bad arguments, before opening the database', async () => {
      for (const args of [
        ['audit'],
        ['audit', 'check'],
        ['audit', 'verify', '--since', 'yesterday'],
        ['audit', 'verify', '--since', '2024-13-45'],
        ['audit', 'verify', '--tenant'],
        ['audit', 'verify', '--tenant', 'a', '--tenant', 'b'],
        ['audit', 'verify', '--everything'],
      ]) {
        const run = await portico(args, database.env);
        assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
        assert.match(run.stderr, /Usage: portico audit verify/);
      }
    });
  });
}
