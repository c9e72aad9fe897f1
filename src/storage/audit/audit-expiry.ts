import { LIFT_TIMEOUTS, type Database } from '../database.ts';
import { tenantOfStorage } from '../tenant-key.ts';
import { genesisHash } from './audit-hash.ts';
import { AUDIT_ROW_COLUMNS, readAnchor, rowHashHolds, type AuditRow } from './audit-row.ts';
import type { BrokenLink } from './audit-verify.ts';

/** Events removed per transaction at most: each holds its locks only that long. */
const DEFAULT_BATCH = 1000;
const DAY_MS = 86_400_000;
// Any constant; only the processes sharing one database have to agree on it.
export const AUDIT_EXPIRY_LOCK = 7_024_311_003;

export interface AuditExpiryOptions {
  now: () => Date;
  /** AUDIT_RETENTION_DAYS: events recorded before now minus this many days expire. */
  retentionDays: number;
  /** Events removed per transaction (tests make it small). */
  batchSize?: number;
}

/** What one chain lost: seqs `from` to `to`, the anchor now at `to`. */
export interface ExpiredRange {
  chain: string;
  /** The tenant id (as in `/t/{tenant}`). */
  tenant: string;
  from: number;
  to: number;
}

export interface AuditExpiry {
  /** Events recorded before this instant were due. */
  cutoff: Date;
  /** One entry per chain that lost events, in the order they were removed. */
  expired: ExpiredRange[];
  events: number;
  /** Chains whose expiry stopped at a link that does not hold: nothing from there on is removed (verify names it too). */
  broken: BrokenLink[];
  /** Another process was expiring when this one tried: it left the rest to that one. */
  busy: boolean;
}

/**
 * Removes the events older than the retention, from the start of each chain and in seq order only: an event goes
 * only with every event before it, so a chain never gets a hole, and an older event recorded after a newer one (a
 * clock stepped back) waits for it. Each batch checks what it removes as verify would (seq, prev_hash, hash, from
 * the chain's anchor or genesis) and stops at a link that does not hold, so that expiry never erases the evidence of
 * a tamper; in the same transaction it deletes the batch and moves the chain's anchor (migration 022) to the last
 * removed event. One process at a time: each batch takes a transaction-scoped advisory lock, and a process that
 * finds it taken leaves the work to the one holding it (`busy`).
 */
export async function expireAuditEvents(db: Database, options: AuditExpiryOptions): Promise<AuditExpiry> {
  const cutoff = new Date(options.now().getTime() - options.retentionDays * DAY_MS);
  const batchSize = options.batchSize ?? DEFAULT_BATCH;
  const result: AuditExpiry = { cutoff, expired: [], events: 0, broken: [], busy: false };
  // Cheap when expiry keeps up (an hour's events); after a backlog (a shorter retention set on an old trail) it reads
  // every due row once, which no statement timeout may cut short, or no run would ever get past it. A read: it locks no row.
  const due = await db.transaction(async (tx) => {
    await tx.query(LIFT_TIMEOUTS);
    return tx.query<{ chain: string }>('SELECT DISTINCT chain FROM audit_event WHERE recorded < $1 ORDER BY chain', [cutoff.toISOString()]);
  });
  for (const { chain } of due) {
    for (;;) {
      const batch = await expireBatch(db, chain, cutoff, batchSize, options.now());
      if (batch === 'busy') return { ...result, busy: true };
      if (batch.range) {
        const last = result.expired.at(-1);
        if (last?.chain === chain) last.to = batch.range.to;
        else result.expired.push(batch.range);
        result.events += batch.range.to - batch.range.from + 1;
      }
      if (batch.broken) result.broken.push(batch.broken);
      if (!batch.more) break;
    }
  }
  return result;
}

interface Batch {
  range?: ExpiredRange;
  broken?: BrokenLink;
  /** The batch was full: the chain may have more to expire. */
  more: boolean;
}

async function expireBatch(db: Database, chain: string, cutoff: Date, batchSize: number, expiredAt: Date): Promise<Batch | 'busy'> {
  return db.transaction(async (tx) => {
    const [lock] = await tx.query<{ locked: boolean }>('SELECT pg_try_advisory_xact_lock($1) AS locked', [AUDIT_EXPIRY_LOCK]);
    if (!lock?.locked) return 'busy';
    const anchor = await readAnchor(tx, chain);
    let expectedSeq = anchor ? anchor.seq + 1 : 1;
    let prevHash = anchor ? anchor.hash : genesisHash(chain);
    const rows = await tx.query<AuditRow>(`SELECT ${AUDIT_ROW_COLUMNS} FROM audit_event WHERE chain = $1 ORDER BY seq LIMIT ${batchSize}`, [chain]);
    let taken: AuditRow | undefined;
    let broken: BrokenLink | undefined;
    for (const row of rows) {
      if (new Date(row.recorded).getTime() >= cutoff.getTime()) break;
      const seq = Number(row.seq);
      if (seq !== expectedSeq) broken = { chain, seq: seq < expectedSeq ? seq : expectedSeq, reason: seq < expectedSeq ? 'anchor mismatch' : 'gap' };
      else if (row.prev_hash !== prevHash) broken = { chain, seq, reason: taken === undefined && anchor ? 'anchor mismatch' : 'prev_hash mismatch' };
      else if (!rowHashHolds(chain, row)) broken = { chain, seq, reason: 'hash mismatch' };
      if (broken) break;
      taken = row;
      prevHash = row.hash;
      expectedSeq = seq + 1;
    }
    if (!taken) return { more: false, ...(broken ? { broken } : {}) };
    const from = anchor ? anchor.seq + 1 : 1;
    const to = Number(taken.seq);
    await tx.query('DELETE FROM audit_event WHERE chain = $1 AND seq >= $2 AND seq <= $3', [chain, from, to]);
    await tx.query(
      `INSERT INTO audit_chain_anchor (chain, tenant, seq, hash, expired_at) VALUES ($1, $2, $3, $4, $5)
       ON CONFLICT (chain) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, expired_at = excluded.expired_at`,
      [chain, taken.tenant, to, taken.hash, expiredAt.toISOString()],
    );
    const range = { chain, tenant: tenantOfStorage(taken.tenant), from, to };
    return { range, more: !broken && rows.length === batchSize && to === Number(rows.at(-1)?.seq), ...(broken ? { broken } : {}) };
  });
}

export interface AuditExpiryTimer {
  /** Stops the timer and waits for a run under way, so the database can close. */
  stop(): Promise<void>;
}

/**
 * Runs expiry `firstDelayMs` after start, then every `intervalMs`, on the pool's background view (it waits its turn
 * rather than being refused when the pool is busy); timers never keep the process alive. Each run's result goes to
 * `onRun` (removals and broken links are worth a log line), a failure to `onError`; the next run tries again.
 */
export function startAuditExpiry(
  db: Database,
  options: AuditExpiryOptions & { firstDelayMs: number; intervalMs: number; onRun: (run: AuditExpiry) => void; onError: (err: unknown) => void },
): AuditExpiryTimer {
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  const run = () => {
    running = running
      .then(() => (stopped ? undefined : expireAuditEvents(db.background(), options).then(options.onRun)))
      .catch(options.onError);
  };
  const first = setTimeout(run, options.firstDelayMs);
  const every = setInterval(run, options.intervalMs);
  first.unref();
  every.unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(first);
      clearInterval(every);
      await running;
    },
  };
}
