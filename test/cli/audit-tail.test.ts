import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import type { RecordedAuditEvent } from '../../src/fhir/audit/audit-trail.ts';
import { readEvent } from '../support/audit-events.ts';
import { BASE_ENV, persistentDatabase, portico, withPortico } from '../support/audit-cli.ts';
import { drivers } from '../support/portico.ts';

const BIN = new URL('../../bin/portico.js', import.meta.url).pathname;
const T0 = Date.parse('2024-06-01T12:00:00.000Z');

/** Resolves once `text()` satisfies `ready`, looking each time `changed` is called. */
function waitFor(ready: (text: string) => boolean): { changed: (text: string) => void; reached: Promise<void> } {
  let resolve: () => void = () => {};
  const reached = new Promise<void>((r) => (resolve = r));
  return { changed: (text) => ready(text) && resolve(), reached };
}

for (const driver of drivers) {
  describe(`portico audit tail (${driver})`, () => {
    let database: Awaited<ReturnType<typeof persistentDatabase>>;
    before(async () => {
      database = await persistentDatabase(driver);
      let clock = T0;
      await withPortico(
        database.env,
        async (p) => {
          for (let n = 0; n < 3; n++) {
            clock = T0 + n * 1000;
            await p.audit.record('acme', readEvent(n));
            await p.authAudit.record('other', readEvent(10 + n));
          }
        },
        { now: () => new Date(clock) },
      );
    });
    after(() => database.drop());

    it('prints one line per event of the tenant from --since, then exits 0 when stopped', { timeout: 60_000 }, async () => {
      const stop = new AbortController();
      const lines = waitFor((out) => out.split('\n').length > 3);
      const run = portico(['audit', 'tail', '--tenant', 'acme', '--since', '2024-06-01T11:00:00Z'], database.env, {
        signal: stop.signal,
        tailPollMs: 20,
        onStdout: lines.changed,
      });
      await lines.reached;
      stop.abort();
      const { code, stdout, stderr } = await run;
      assert.equal(code, 0, stderr);
      assert.match(stderr, /^following the audit events of tenant acme recorded from 2024-06-01T11:00:00.000Z/);
      assert.deepEqual(stdout.trimEnd().split('\n'), [0, 1, 2].map((n) =>
        `${new Date(T0 + n * 1000).toISOString()} tenant=acme type=rest/read action=R outcome=0 agent=Practitioner/p${n} entity=Observation/o${n}`));
    });

    it('--json prints NDJSON: the stored AuditEvents of every tenant, in recorded order', { timeout: 60_000 }, async () => {
      const stop = new AbortController();
      const lines = waitFor((out) => out.split('\n').length > 6);
      const run = portico(['audit', 'tail', '--json', '--since', '2024-06-01'], database.env, { signal: stop.signal, tailPollMs: 20, onStdout: lines.changed });
      await lines.reached;
      stop.abort();
      const { code, stdout } = await run;
      assert.equal(code, 0);
      const events = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as RecordedAuditEvent);
      assert.deepEqual(events.map((e) => e.entity?.[0]?.what?.reference), ['o0', 'o10', 'o1', 'o11', 'o2', 'o12'].map((o) => `Observation/${o}`));
      assert.ok(events.every((e) => e.resourceType === 'AuditEvent' && typeof e.id === 'string' && typeof e.recorded === 'string'));
    });

    it('exits 2 on bad arguments, before opening the database', async () => {
      for (const args of [
        ['audit', 'tail', '--since'],
        ['audit', 'tail', '--since', 'now'],
        ['audit', 'tail', '--json', '--json'],
        ['audit', 'tail', '--follow'],
        ['audit', 'tail', '--tenant', '--json'],
      ]) {
        const run = await portico(args, database.env);
        assert.equal(run.code, 2, `${args.join(' ')}: ${run.stdout}${run.stderr}`);
        assert.match(run.stderr, /audit tail: [\s\S]*Usage: portico audit/);
      }
    });

    // A second process on the database: PostgreSQL only (PGlite is served by one process).
    it('as a process of its own, prints the events of its tenant recorded after it started, and exits 0 on SIGTERM', { skip: driver !== 'postgres', timeout: 120_000 }, async () => {
      const child = spawn(process.execPath, [BIN, 'audit', 'tail', '--tenant', 'acme'], {
        env: { PATH: process.env.PATH ?? '', ...BASE_ENV, ...database.env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      const started = waitFor((err) => err.includes('following the audit events of tenant acme'));
      const printed = waitFor((out) => out.includes('entity=Observation/o42'));
      child.stderr.on('data', (d: Buffer) => started.changed((stderr += d.toString())));
      child.stdout.on('data', (d: Buffer) => printed.changed((stdout += d.toString())));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      try {
        await Promise.race([started.reached, exited.then((code) => assert.fail(`tail exited with ${code}: ${stderr}`))]);
        await withPortico(database.env, async (p) => {
          // The other tenant's event first: had it not been filtered, it would be printed before acme's.
          await p.authAudit.record('other', readEvent(41));
          await p.audit.record('acme', readEvent(42));
        });
        await Promise.race([printed.reached, exited.then((code) => assert.fail(`tail exited with ${code}: ${stderr}`))]);
        child.kill('SIGTERM');
        assert.equal(await exited, 0, stderr);
        assert.equal(stdout.trimEnd().split('\n').length, 1, stdout);
        assert.match(stdout, / tenant=acme type=rest\/read action=R outcome=0 agent=Practitioner\/p0 entity=Observation\/o42\n$/);
        assert.doesNotMatch(stdout, /other|o41/);
      } finally {
        child.kill('SIGKILL');
      }
    });
  });
}
