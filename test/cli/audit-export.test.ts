import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { RecordedAuditEvent } from '../../src/fhir/audit/audit-trail.ts';
import { readEvent } from '../support/audit-events.ts';
import { persistentDatabase, portico, withPortico } from '../support/audit-cli.ts';
import { drivers } from '../support/portico.ts';

const T0 = Date.parse('2024-05-01T00:00:00.000Z');
const HOUR = 3_600_000;

const parseNdjson = (text: string): RecordedAuditEvent[] => {
  assert.ok(text === '' || text.endsWith('\n'), 'every line ends with a newline');
  return text === '' ? [] : text.slice(0, -1).split('\n').map((line) => JSON.parse(line) as RecordedAuditEvent);
};

for (const driver of drivers) {
  describe(`portico audit export (${driver})`, () => {
    let database: Awaited<ReturnType<typeof persistentDatabase>>;
    let dir: string;
    /** Every event recorded, as the trail stored it, with its tenant. */
    let recorded: { tenant: string; event: RecordedAuditEvent }[];
    before(async () => {
      database = await persistentDatabase(driver);
      dir = await mkdtemp(join(tmpdir(), 'portico-audit-export-'));
      let clock = T0;
      recorded = await withPortico(
        database.env,
        async (p) => {
          // Hour h: an event of acme and one of default. Then 1,100 events of one instant over two chains (the FHIR
          // and the auth trails), more than a page, to page through a tie of recorded.
          for (let h = 0; h < 6; h++) {
            clock = T0 + h * HOUR;
            await p.audit.record('acme', readEvent(h));
            await p.audit.record('default', readEvent(100 + h));
          }
          clock = T0 + 10 * HOUR;
          await Promise.all(Array.from({ length: 1100 }, (_, n) => (n % 2 ? p.audit : p.authAudit).record('bulk', readEvent(1000 + n))));
          const rows = await p.db.query<{ tenant: string; resource: RecordedAuditEvent }>('SELECT tenant, resource FROM audit_event');
          return rows.map((r) => ({ tenant: r.tenant === '' ? 'default' : r.tenant, event: r.resource }));
        },
        { now: () => new Date(clock) },
      );
    });
    after(async () => {
      await database.drop();
      await rm(dir, { recursive: true, force: true });
    });

    const idsOf = (events: RecordedAuditEvent[]) => events.map((e) => e.id);
    const expectedIds = (from: number, until: number, tenant?: string) =>
      recorded
        .filter(({ tenant: t, event }) => Date.parse(event.recorded) >= from && Date.parse(event.recorded) < until && (tenant === undefined || t === tenant))
        .map(({ event }) => event.id)
        .sort();

    it('writes exactly the events of the window as NDJSON, oldest first, to stdout; the count on stderr', async () => {
      const run = await portico(['audit', 'export', '--since', '2024-05-01T01:00:00Z', '--until', '2024-05-01T04:00:00.000Z'], database.env);
      assert.equal(run.code, 0, run.stderr);
      const events = parseNdjson(run.stdout);
      assert.deepEqual(idsOf(events).sort(), expectedIds(T0 + HOUR, T0 + 4 * HOUR));
      assert.equal(events.length, 6);
      assert.ok(events.every((e) => e.resourceType === 'AuditEvent' && typeof e.id === 'string' && e.agent.length > 0));
      const times = events.map((e) => e.recorded);
      assert.deepEqual(times, [...times].sort(), 'ordered by recorded');
      assert.equal(run.stderr, 'exported 6 events\n');
    });

    it('--tenant keeps one tenant; --out writes FILE; without --until, up to the newest, paged past a tie of recorded', async () => {
      const acme = await portico(['audit', 'export', '--since', '2024-05-01', '--tenant', 'acme'], database.env);
      assert.equal(acme.code, 0, acme.stderr);
      assert.deepEqual(idsOf(parseNdjson(acme.stdout)).sort(), expectedIds(T0, Infinity, 'acme'));
      assert.equal(acme.stderr, 'exported 6 events\n');

      const out = join(dir, 'audit.ndjson');
      const all = await portico(['audit', 'export', '--since', '2024-05-01T00:00:00+02:00', '--out', out], database.env);
      assert.equal(all.code, 0, all.stderr);
      assert.equal(all.stdout, '');
      assert.equal(all.stderr, `exported 1112 events to ${out}\n`);
      const events = parseNdjson(await readFile(out, 'utf8'));
      assert.equal(events.length, 1112);
      assert.equal(new Set(idsOf(events)).size, 1112, 'no event twice across pages');
      assert.deepEqual(idsOf(events).sort(), expectedIds(T0, Infinity));

      const none = await portico(['audit', 'export', '--since', '2030-01-01'], database.env);
      assert.deepEqual([none.code, none.stdout, none.stderr], [0, '', 'exported 0 events\n']);
    });

    it('exits 2 on bad arguments, before opening the database', async () => {
      for (const args of [
        ['audit', 'export'],
        ['audit', 'export', '--tenant', 'acme'],
        ['audit', 'export', '--since', 'last week'],
        ['audit', 'export', '--since', '2024-05-01', '--until', '2024-04-01'],
        ['audit', 'export', '--since', '2024-05-01', '--until', '2024-05-01'],
        ['audit', 'export', '--since', '2024-05-01', '--out'],
        ['audit', 'export', '--since', '2024-05-01', '--since', '2024-05-02'],
        ['audit', 'export', '--since', '2024-05-01', '--format', 'csv'],
      ]) {
        const run = await portico(args, database.env);
        assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
        assert.match(run.stderr, /audit export: [\s\S]*Usage: portico audit/);
        assert.equal(run.stdout, '');
      }
    });
  });
}
