import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { randomUUID } from 'node:crypto';
import { expireAuditEvents, startAuditExpiry, type AuditExpiry } from '../../src/storage/audit/audit-expiry.ts';
import { createAuditStore } from '../../src/storage/audit/audit-store.ts';
import { createAuditFollower } from '../../src/storage/audit/audit-read.ts';
import { verifyAuditChains } from '../../src/storage/audit/audit-verify.ts';
import { readEvent } from '../support/audit-events.ts';
import { drivers, startPortico, startSibling, type TestPortico } from '../support/portico.ts';

const DAY = 86_400_000;
const T0 = Date.parse('2019-03-01T00:00:00.000Z');
const RETENTION_DAYS = 30;

for (const driver of drivers) {
  describe(`audit retention (${driver})`, () => {
    // The trail's clock: each test moves it to make events as old as it needs.
    let clock = T0;
    let portico: TestPortico;
    before(async () => {
      portico = await startPortico(driver, { AUDIT_RETENTION_DAYS: String(RETENTION_DAYS) }, { now: () => new Date(clock) });
    });
    after(() => portico.stop());

    /** Records one event per day offset given (in that order, each committed before the next). */
    const recordOn = async (tenant: string, days: number[]) => {
      for (const [n, day] of days.entries()) {
        clock = T0 + day * DAY;
        await portico.audit.record(tenant, readEvent(n));
      }
    };
    const chainOf = async (tenant: string) => {
      const [row] = await portico.db.query<{ chain: string }>('SELECT DISTINCT chain FROM audit_event WHERE tenant = $1', [tenant]);
      return row?.chain ?? assert.fail(`no event of ${tenant}`);
    };
    const seqs = async (chain: string) =>
      (await portico.db.query<{ seq: string | number }>('SELECT seq FROM audit_event WHERE chain = $1 ORDER BY seq', [chain])).map((r) => Number(r.seq));
    const hashOf = async (chain: string, seq: number) =>
      (await portico.db.query<{ hash: string }>('SELECT hash FROM audit_event WHERE chain = $1 AND seq = $2', [chain, seq]))[0]?.hash ?? assert.fail(`no seq ${seq}`);
    const anchorOf = async (chain: string) =>
      (await portico.db.query<{ seq: string | number; hash: string; tenant: string; expired_at: Date }>('SELECT seq, hash, tenant, expired_at FROM audit_chain_anchor WHERE chain = $1', [chain]))[0];
    /** Expiry as of `days` after T0: events recorded before (days - RETENTION_DAYS) expire. */
    const expireAt = (days: number, batchSize?: number) =>
      expireAuditEvents(portico.db, { now: () => new Date(T0 + days * DAY), retentionDays: RETENTION_DAYS, ...(batchSize ? { batchSize } : {}) });

    it('removes exactly the events older than the retention, oldest first in batches, leaves an anchor, and the chain still verifies', async () => {
      await recordOn('retain', [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      await recordOn('retain-young', [40]);
      const chain = await chainOf('retain');
      const sixth = await hashOf(chain, 6);

      // As of day 35.5: recorded before day 5.5 expires, seq 1 to 6, in batches of 4.
      const run = await expireAt(35.5, 4);
      assert.equal(run.cutoff.toISOString(), new Date(T0 + 5.5 * DAY).toISOString());
      assert.deepEqual(run.expired, [{ chain, tenant: 'retain', from: 1, to: 6 }]);
      assert.equal(run.events, 6);
      assert.deepEqual(run.broken, []);
      assert.equal(run.busy, false);
      assert.deepEqual(await seqs(chain), [7, 8, 9, 10]);
      const anchor = await anchorOf(chain);
      assert.equal(Number(anchor?.seq), 6);
      assert.equal(anchor?.hash, sixth);
      assert.equal(anchor?.tenant, 'retain');
      assert.equal(new Date(anchor?.expired_at ?? 0).toISOString(), new Date(T0 + 35.5 * DAY).toISOString());
      assert.deepEqual(await seqs(await chainOf('retain-young')), [1], 'a young event stays');

      assert.deepEqual(await verifyAuditChains(portico.db, { tenant: 'retain' }), { ok: true, chains: 1, events: 4 });
      // Again at the same time: nothing more is due.
      assert.equal((await expireAt(35.5)).events, 0);
      // Later, the rest: a chain all of whose events expired keeps its anchor, and its writer goes on after it.
      assert.equal((await expireAt(100)).expired.find((r) => r.chain === chain)?.to, 10);
      assert.deepEqual(await seqs(chain), []);
      assert.equal(Number((await anchorOf(chain))?.seq), 10);
      await recordOn('retain', [101]);
      assert.deepEqual(await seqs(chain), [11]);
      assert.deepEqual(await verifyAuditChains(portico.db, { tenant: 'retain' }), { ok: true, chains: 1, events: 1 });
    });

    it('a writer that lost track of its head after a failed INSERT, its chain all expired, continues after the anchor', async () => {
      let failNext = false;
      const flaky = {
        query: <R extends object>(text: string, params?: readonly unknown[]) => {
          if (failNext && text.startsWith('INSERT INTO audit_event')) {
            failNext = false;
            return Promise.reject(new Error('connection dropped'));
          }
          return portico.db.query<R>(text, params);
        },
      };
      const trail = createAuditStore(flaky, { now: () => new Date(clock), newId: randomUUID });
      clock = T0;
      for (let n = 0; n < 3; n++) await trail.record('lost-head', readEvent(n));
      const chain = await chainOf('lost-head');
      await expireAt(31);
      assert.deepEqual(await seqs(chain), []);
      clock = T0 + 31 * DAY;
      failNext = true;
      await assert.rejects(trail.record('lost-head', readEvent(3)), /connection dropped/);
      await trail.record('lost-head', readEvent(4));
      assert.deepEqual(await seqs(chain), [4]);
      assert.deepEqual(await verifyAuditChains(portico.db, { tenant: 'lost-head' }), { ok: true, chains: 1, events: 1 });
    });

    it('removes a prefix only: an old event after a younger one (a clock stepped back) waits for it', async () => {
      await recordOn('stepped', [0, 10, 1, 2]);
      const chain = await chainOf('stepped');
      const run = await expireAt(35);
      assert.deepEqual(run.expired.filter((r) => r.chain === chain), [{ chain, tenant: 'stepped', from: 1, to: 1 }]);
      assert.deepEqual(await seqs(chain), [2, 3, 4]);
      assert.deepEqual(await verifyAuditChains(portico.db, { tenant: 'stepped' }), { ok: true, chains: 1, events: 3 });
    });

    it('verify names a retained event changed, an anchor changed, and the oldest retained event deleted', async () => {
      const tenants = ['changed', 'anchor-hash', 'anchor-seq', 'deleted'];
      for (const tenant of tenants) await recordOn(tenant, [0, 1, 2, 3, 4]);
      await expireAt(32.5);
      const chains = Object.fromEntries(await Promise.all(tenants.map(async (t) => [t, await chainOf(t)] as const)));
      for (const tenant of tenants) {
        assert.deepEqual(await seqs(chains[tenant] ?? ''), [4, 5], tenant);
        assert.deepEqual(await verifyAuditChains(portico.db, { tenant }), { ok: true, chains: 1, events: 2 }, tenant);
      }

      await portico.db.query(`UPDATE audit_event SET resource = jsonb_set(resource, '{outcome}', '"4"') WHERE chain = $1 AND seq = 5`, [chains.changed]);
      await portico.db.query(`UPDATE audit_chain_anchor SET hash = md5(hash) WHERE chain = $1`, [chains['anchor-hash']]);
      await portico.db.query(`UPDATE audit_chain_anchor SET seq = seq + 1 WHERE chain = $1`, [chains['anchor-seq']]);
      await portico.db.query(`DELETE FROM audit_event WHERE chain = $1 AND seq = 4`, [chains.deleted]);

      const verdict = async (tenant: string) => {
        const result = await verifyAuditChains(portico.db, { tenant });
        assert.equal(result.ok, false, tenant);
        return result.ok ? undefined : result.broken;
      };
      assert.deepEqual(await verdict('changed'), { chain: chains.changed, seq: 5, reason: 'hash mismatch' });
      assert.deepEqual(await verdict('anchor-hash'), { chain: chains['anchor-hash'], seq: 4, reason: 'anchor mismatch' });
      assert.deepEqual(await verdict('anchor-seq'), { chain: chains['anchor-seq'], seq: 4, reason: 'anchor mismatch' });
      assert.deepEqual(await verdict('deleted'), { chain: chains.deleted, seq: 4, reason: 'gap' });
      // With --since reaching back to the anchor, the anchor is still checked.
      assert.equal((await verifyAuditChains(portico.db, { tenant: 'anchor-hash', since: new Date(T0) })).ok, false);
    });

    it('never removes a tampered event: expiry stops before it, and verify still names it', async () => {
      await recordOn('tampered', [0, 1, 2, 3, 4]);
      const chain = await chainOf('tampered');
      await portico.db.query(`UPDATE audit_event SET resource = jsonb_set(resource, '{action}', '"D"') WHERE chain = $1 AND seq = 3`, [chain]);
      const run = await expireAt(40);
      assert.deepEqual(run.expired.filter((r) => r.chain === chain), [{ chain, tenant: 'tampered', from: 1, to: 2 }]);
      assert.deepEqual(run.broken.filter((b) => b.chain === chain), [{ chain, seq: 3, reason: 'hash mismatch' }]);
      assert.deepEqual(await seqs(chain), [3, 4, 5]);
      const verdict = await verifyAuditChains(portico.db, { tenant: 'tampered' });
      assert.deepEqual(verdict, { ok: false, chains: 1, events: 0, broken: { chain, seq: 3, reason: 'hash mismatch' } });
    });

    it('runs in the background on a timer until stopped', async () => {
      await recordOn('background', [0, 1]);
      const chain = await chainOf('background');
      let timer: ReturnType<typeof startAuditExpiry> | undefined;
      const run = await new Promise<AuditExpiry>((resolve, reject) => {
        timer = startAuditExpiry(portico.db, {
          now: () => new Date(T0 + 60 * DAY),
          retentionDays: RETENTION_DAYS,
          firstDelayMs: 0,
          intervalMs: 3_600_000,
          onRun: resolve,
          onError: reject,
        });
      });
      await timer?.stop();
      assert.deepEqual(run.expired.filter((r) => r.chain === chain), [{ chain, tenant: 'background', from: 1, to: 2 }]);
      assert.deepEqual(await seqs(chain), []);
    });

    it('a follower sees every event committed after it started, once, whatever order chains commit in', async () => {
      clock = T0 + 200 * DAY;
      const follower = createAuditFollower(portico.db, { since: new Date(clock), tenant: 'follow', now: () => new Date(clock) });
      assert.deepEqual(await follower.poll(), []);
      // The auth trail's chain commits an event recorded at +2 s; then the FHIR trail's (another chain) one recorded
      // earlier, at +1 s: a time cursor would have moved past it.
      clock = T0 + 200 * DAY + 2000;
      await portico.authAudit.record('follow', readEvent(1));
      await portico.audit.record('elsewhere', readEvent(9));
      const first = await follower.poll();
      assert.deepEqual(first.map((e) => e.seq), [1]);
      assert.equal(first[0]?.tenant, 'follow');
      clock = T0 + 200 * DAY + 1000;
      await portico.audit.record('follow', readEvent(2));
      // And the first chain again, its clock behind: followed by seq.
      clock = T0 + 200 * DAY + 500;
      await portico.authAudit.record('follow', readEvent(3));
      const second = await follower.poll();
      assert.deepEqual(second.map((e) => (e.resource as { entity: { what: { reference: string } }[] }).entity[0]?.what.reference), ['Observation/o3', 'Observation/o2']);
      assert.deepEqual(await follower.poll(), []);
    });

    it('several processes expiring at once remove each event once and leave verifiable chains', { skip: driver !== 'postgres' }, async () => {
      await recordOn('twins', Array.from({ length: 50 }, (_, n) => n / 10));
      const chain = await chainOf('twins');
      const sibling = await startSibling(portico);
      try {
        const now = () => new Date(T0 + 40 * DAY);
        const runs = await Promise.all([portico.db, sibling.db, portico.db].map((db) => expireAuditEvents(db, { now, retentionDays: RETENTION_DAYS, batchSize: 3 })));
        const rest = await expireAuditEvents(portico.db, { now, retentionDays: RETENTION_DAYS });
        const removed = [...runs, rest].flatMap((r) => r.expired.filter((e) => e.chain === chain).map((e) => [e.from, e.to] as const));
        assert.equal(removed.reduce((n, [from, to]) => n + to - from + 1, 0), 50);
        assert.deepEqual(await seqs(chain), []);
        assert.equal(Number((await anchorOf(chain))?.seq), 50);
        await recordOn('twins', [41]);
        assert.deepEqual(await verifyAuditChains(portico.db, { tenant: 'twins' }), { ok: true, chains: 1, events: 1 });
      } finally {
        await sibling.close();
      }
    });
  });
}
