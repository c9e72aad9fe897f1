import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { readEvent } from '../support/audit-events.ts';
import { persistentDatabase, portico, withPortico } from '../support/audit-cli.ts';
import { drivers } from '../support/portico.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2018-01-01T00:00:00.000Z');

for (const driver of drivers) {
  describe(`portico audit expire (${driver})`, () => {
    let database: Awaited<ReturnType<typeof persistentDatabase>>;
    before(async () => {
      database = await persistentDatabase(driver);
    });
    after(() => database.drop());

    it('removes the events older than AUDIT_RETENTION_DAYS, says which, and verify passes, then names each later tamper', async () => {
      const tenants = ['acme', 'anchor', 'oldest'];
      // Day n: event n of each tenant, recorded with the trail's clock at T0 + n days.
      let clock = T0;
      const chains = await withPortico(
        database.env,
        async (p) => {
          for (let day = 0; day < 8; day++) {
            clock = T0 + day * DAY;
            for (const tenant of tenants) await p.audit.record(tenant, readEvent(day));
          }
          const rows = await p.db.query<{ tenant: string; chain: string }>('SELECT DISTINCT tenant, chain FROM audit_event');
          return Object.fromEntries(rows.map((r) => [r.tenant, r.chain]));
        },
        { now: () => new Date(clock) },
      );

      // Ten days' retention, as of day 15.5: days 0 to 5 expire, seq 1 to 6 of each chain.
      const env = { ...database.env, AUDIT_RETENTION_DAYS: '10' };
      const now = () => new Date(T0 + 15.5 * DAY);
      const run = await portico(['audit', 'expire'], env, { now });
      assert.equal(run.code, 0, run.stdout + run.stderr);
      const lines = run.stdout.trimEnd().split('\n');
      assert.deepEqual(lines.slice(0, 3).sort(), tenants.map((t) => `expired chain ${chains[t]} (tenant ${t}): seq 1 to 6, 6 events`).sort());
      assert.equal(lines[3], `expired 18 events recorded before ${new Date(T0 + 5.5 * DAY).toISOString()} (AUDIT_RETENTION_DAYS=10) from 3 chains`);
      assert.equal(lines.length, 4);

      const verify = await portico(['audit', 'verify'], env);
      assert.equal(verify.code, 0, verify.stdout);
      assert.equal(verify.stdout, 'audit trail intact: 6 events in 3 chains verified\n');
      const again = await portico(['audit', 'expire'], env, { now });
      assert.equal(again.stdout, `expired 0 events recorded before ${new Date(T0 + 5.5 * DAY).toISOString()} (AUDIT_RETENTION_DAYS=10) from 0 chains\n`);

      await withPortico(database.env, async (p) => {
        await p.db.query(`UPDATE audit_event SET resource = jsonb_set(resource, '{outcome}', '"8"') WHERE chain = $1 AND seq = 8`, [chains.acme]);
        await p.db.query(`UPDATE audit_chain_anchor SET hash = md5(hash) WHERE chain = $1`, [chains.anchor]);
        await p.db.query(`DELETE FROM audit_event WHERE chain = $1 AND seq = 7`, [chains.oldest]);
      });
      const expected: Record<string, string> = {
        acme: `chain ${chains.acme} seq 8: hash mismatch (1 event in 1 chain verified before it)`,
        anchor: `chain ${chains.anchor} seq 7: anchor mismatch (0 events in 1 chain verified before it)`,
        oldest: `chain ${chains.oldest} seq 7: gap (0 events in 1 chain verified before it)`,
      };
      for (const tenant of tenants) {
        const broken = await portico(['audit', 'verify', '--tenant', tenant], env);
        assert.equal(broken.code, 1, `${tenant}: ${broken.stdout}`);
        assert.equal(broken.stdout, `audit trail broken: ${expected[tenant]}\n`);
      }
    });

    it('portico --help and portico audit --help list verify, expire, export and tail', async () => {
      const top = await portico(['--help'], database.env);
      assert.equal(top.code, 0);
      assert.match(top.stdout, /^ {2}audit .*verify.*expire.*export.*tail/m);
      const audit = await portico(['audit', '--help'], database.env);
      assert.equal(audit.code, 0);
      for (const command of ['verify', 'expire', 'export', 'tail']) assert.match(audit.stdout, new RegExp(`portico audit ${command}\\b[\\s\\S]*\\n {2}${command} `), command);
    });

    it('exits 2 on bad arguments or a bad AUDIT_RETENTION_DAYS, before opening the database', async () => {
      for (const [args, env] of [
        [['audit', 'expire', '--now'], {}],
        [['audit', 'expire', 'everything'], {}],
        [['audit', 'expire'], { AUDIT_RETENTION_DAYS: '0' }],
        [['audit', 'expire'], { AUDIT_RETENTION_DAYS: 'six years' }],
      ] as const) {
        const run = await portico([...args], { ...database.env, ...env });
        assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
        assert.match(run.stderr, /expire|AUDIT_RETENTION_DAYS/);
      }
    });
  });
}
