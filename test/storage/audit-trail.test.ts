import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createAuditStore } from '../../src/storage/audit/audit-store.ts';
import { verifyAuditChains } from '../../src/storage/audit/audit-verify.ts';
import { readEvent } from '../support/audit-events.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

for (const driver of drivers) {
  describe(`audit trail (${driver})`, () => {
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver);
    });
    after(() => portico.stop());

    const rows = (where: string, params: unknown[] = []) =>
      portico.db.query<{ chain: string; seq: string | number; tenant: string; resource: { id: string; recorded: string } }>(
        `SELECT chain, seq, tenant, resource FROM audit_event WHERE ${where} ORDER BY chain, seq`,
        params,
      );
    const chainOf = async (tenant: string) => {
      const [row] = await rows(`tenant = $1`, [tenant]);
      assert.ok(row, `an event of ${JSON.stringify(tenant)}`);
      return row.chain;
    };

    it('200 concurrent records all resolve and form one intact chain per tenant', async () => {
      const results = await Promise.allSettled(
        Array.from({ length: 200 }, (_, n) => portico.audit.record(n % 4 === 0 ? 'acme' : 'default', readEvent(n))),
      );
      assert.deepEqual(results.filter((r) => r.status === 'rejected'), []);

      const stored = await rows('true');
      assert.equal(stored.length, 200);
      const chains = [...new Set(stored.map((r) => r.chain))].sort();
      assert.equal(chains.length, 2);
      for (const chain of chains) {
        const seqs = stored.filter((r) => r.chain === chain).map((r) => Number(r.seq));
        assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), `${chain}: seq 1.. without gaps`);
      }
      // The default tenant keeps the storage tenant '' (src/storage/tenant-key.ts); its chain is named by its id.
      assert.match(await chainOf(''), /^default\//);
      assert.match(await chainOf('acme'), /^acme\//);
      assert.equal(new Set(stored.map((r) => r.resource.id)).size, 200, 'each event has an id of its own');
      assert.ok(stored.every((r) => !Number.isNaN(Date.parse(r.resource.recorded))));

      assert.deepEqual(await verifyAuditChains(portico.db), { ok: true, chains: 2, events: 200 });
      assert.deepEqual(await verifyAuditChains(portico.db, { tenant: 'acme' }), { ok: true, chains: 1, events: 50 });
      assert.deepEqual(await verifyAuditChains(portico.db, { tenant: 'nobody' }), { ok: true, chains: 0, events: 0 });
    });

    it('an UPDATE of one event is named by its chain and seq', async () => {
      const chain = await chainOf('acme');
      await portico.db.query(
        `UPDATE audit_event SET resource = jsonb_set(resource, '{outcome}', '"4"') WHERE chain = $1 AND seq = 17`,
        [chain],
      );
      const verdict = await verifyAuditChains(portico.db, { tenant: 'acme' });
      assert.deepEqual(verdict, { ok: false, chains: 1, events: 16, broken: { chain, seq: 17, reason: 'hash mismatch' } });
      // The default tenant's chain is untouched.
      assert.equal((await verifyAuditChains(portico.db, { tenant: 'default' })).ok, true);


      // Recomputing the tampered row's own hash moves the break to its successor, whose prev_hash no longer matches.
      await portico.db.query(`UPDATE audit_event SET hash = 'forged' WHERE chain = $1 AND seq = 17`, [chain]);
      assert.deepEqual((await verifyAuditChains(portico.db, { tenant: 'acme' })).ok, false);
      await portico.db.query(`DELETE FROM audit_event WHERE tenant = 'acme'`);
    });

    it('a DELETE of a middle event is named as a gap at that seq', async () => {
      const chain = await chainOf('');
      await portico.db.query('DELETE FROM audit_event WHERE chain = $1 AND seq = 42', [chain]);
      assert.deepEqual(await verifyAuditChains(portico.db, { tenant: 'default' }), {
        ok: false,
        chains: 1,
        events: 41,
        broken: { chain, seq: 42, reason: 'gap' },
      });
      // The events before it checked out; a DELETE of the first event is a gap at seq 1.
      await portico.db.query('DELETE FROM audit_event WHERE chain = $1 AND seq = 1', [chain]);
      assert.deepEqual((await verifyAuditChains(portico.db, { tenant: 'default' })), { ok: false, chains: 1, events: 0, broken: { chain, seq: 1, reason: 'gap' } });
      await portico.db.query('DELETE FROM audit_event');
    });

    it('a batch whose INSERT fails rejects every event of it; the next records continue the chain, which verifies', async () => {
      let clock = Date.parse('2031-05-01T10:00:00.000Z');
      let ids = 0;
      const trail = createAuditStore(portico.db, { now: () => new Date(clock++), newId: () => `w${ids++}` });
      await trail.record('default', readEvent(1));
      await trail.record('default', readEvent(2));
      assert.deepEqual(await verifyAuditChains(portico.db), { ok: true, chains: 1, events: 2 });

      // The table refuses every new write for a while: those records reject, and nothing of them is stored.
      await portico.db.query(`ALTER TABLE audit_event ADD CONSTRAINT audit_refuses CHECK (resource->>'outcome' <> '0') NOT VALID`);
      const refused = await Promise.allSettled([trail.record('default', readEvent(3)), trail.record('default', readEvent(4)), trail.record('default', readEvent(5))]);
      assert.deepEqual(refused.map((r) => r.status), ['rejected', 'rejected', 'rejected']);
      await portico.db.query('ALTER TABLE audit_event DROP CONSTRAINT audit_refuses');
      assert.equal((await rows('true')).length, 2);

      await Promise.all([trail.record('default', readEvent(6)), trail.record('default', readEvent(7))]);
      const stored = await rows('true');
      assert.deepEqual(stored.map((r) => [r.chain, Number(r.seq)]), [['default/w0', 1], ['default/w0', 2], ['default/w0', 3], ['default/w0', 4]]);
      assert.deepEqual(stored.map((r) => r.resource.recorded), ['2031-05-01T10:00:00.000Z', '2031-05-01T10:00:00.001Z', '2031-05-01T10:00:00.005Z', '2031-05-01T10:00:00.006Z']);
      assert.deepEqual(await verifyAuditChains(portico.db), { ok: true, chains: 1, events: 4 });

      // With a start date, the first event at or after it is the anchor: a tampered event before it is not looked at.
      await portico.db.query(`UPDATE audit_event SET resource = jsonb_set(resource, '{action}', '"D"') WHERE seq = 1`);
      assert.deepEqual(await verifyAuditChains(portico.db), { ok: false, chains: 1, events: 0, broken: { chain: 'default/w0', seq: 1, reason: 'hash mismatch' } });
      assert.deepEqual(await verifyAuditChains(portico.db, { since: new Date('2031-05-01T10:00:00.001Z') }), { ok: true, chains: 1, events: 3 });
      assert.deepEqual(await verifyAuditChains(portico.db, { since: new Date('2031-05-01T10:00:00.002Z') }), { ok: true, chains: 1, events: 2 });
      assert.deepEqual(await verifyAuditChains(portico.db, { since: new Date('2031-05-02T00:00:00.000Z') }), { ok: true, chains: 0, events: 0 });
      await portico.db.query('DELETE FROM audit_event');
    });
  });
}
