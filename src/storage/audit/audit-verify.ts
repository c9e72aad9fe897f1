import type { SqlClient } from '../database.ts';
import { storageTenant } from '../tenant-key.ts';
import { auditSearchKeys } from '../../fhir/audit/audit-search-keys.ts';
import type { AuditEvent } from '../../fhir/audit/audit-trail.ts';
import { KEY_COLUMNS, KEY_LISTS } from './audit-columns.ts';
import { genesisHash } from './audit-hash.ts';
import { AUDIT_ROW_COLUMNS, readAnchor, rowHashHolds, type AuditRow } from './audit-row.ts';

/** Rows read per statement while walking a chain. */
const PAGE = 1000;

export interface AuditVerifyOptions {
  /** A tenant id (as in `/t/{tenant}`); absent: every tenant. */
  tenant?: string;
  /** Start each chain at its first event recorded at or after this instant, trusting that event's prev_hash. */
  since?: Date;
}

export interface BrokenLink {
  chain: string;
  /** The event that does not link: for a gap, the first missing seq. */
  seq: number;
  /**
   * `anchor mismatch`: the chain's oldest retained event does not follow the anchor expiry left (migration 022): its
   * prev_hash is not the anchor's hash, or an event at or before the anchor's seq is still there.
   * `search columns mismatch`: the columns searches read (migration 021) say other than the event they belong to.
   */
  reason: 'hash mismatch' | 'gap' | 'prev_hash mismatch' | 'anchor mismatch' | 'search columns mismatch';
}

export type AuditVerification =
  | { ok: true; chains: number; events: number }
  | { ok: false; chains: number; events: number; broken: BrokenLink };

/** A row as verify reads it: the chain's columns and the search columns (migration 021). */
interface VerifiedRow extends AuditRow {
  /** NULL until the search columns were filled (rows older than migration 021, before the next start). */
  id: string | null;
  [column: string]: unknown;
}

const KEY_NAMES = KEY_LISTS.map((list) => KEY_COLUMNS[list]);

/**
 * Walks every chain (of a tenant, or all) in seq order and recomputes it: each event's seq follows the one before,
 * its prev_hash is that event's hash (the chain's genesis hash for seq 1, the anchor's hash for the oldest event
 * retained after expiry), and its hash is what its columns give. Stops at the first broken link; the counts say how
 * far it got (chains begun, events that checked out).
 *
 * What a chain cannot show by itself: events deleted from its end (the newest of a chain, or all of a chain) leave
 * a shorter chain that still verifies. Detecting that needs the head kept somewhere else (an anchor written
 * elsewhere, or a writer that says where it stopped). With `since`, the events before the anchor are not checked.
 */
export async function verifyAuditChains(sql: SqlClient, options: AuditVerifyOptions = {}): Promise<AuditVerification> {
  const tenantKey = options.tenant === undefined ? undefined : storageTenant(options.tenant);
  const since = options.since?.toISOString();
  const chains = await sql.query<{ chain: string; first: string | number }>(
    `SELECT chain, min(seq) AS first FROM audit_event
     WHERE ($1::text IS NULL OR tenant = $1) AND ($2::timestamptz IS NULL OR recorded >= $2)
     GROUP BY chain ORDER BY chain`,
    [tenantKey ?? null, since ?? null],
  );
  let events = 0;
  let walked = 0;
  for (const { chain, first } of chains) {
    walked++;
    const start = await chainStart(sql, chain, since === undefined ? undefined : Number(first));
    const broken = await walkChain(sql, chain, start, () => events++);
    if (broken) return { ok: false, chains: walked, events, broken };
  }
  return { ok: true, chains: walked, events };
}

/** Where a walk begins: the seq it expects first, and the prev_hash that event must carry (undefined: trusted). */
interface WalkStart {
  seq: number;
  prevHash: string | undefined;
  /** The walk starts at an anchor: the first row read must be the anchor's successor, nothing before it. */
  anchored: boolean;
}

/**
 * Seq 1 and the genesis hash; or the anchor's successor and its hash once the chain's oldest events expired (also
 * with `since` reaching back to it); or, with `since` later than that, the event at `from` and its own prev_hash.
 */
async function chainStart(sql: SqlClient, chain: string, from: number | undefined): Promise<WalkStart> {
  const anchor = await readAnchor(sql, chain);
  if (anchor && (from === undefined || from <= anchor.seq + 1)) return { seq: anchor.seq + 1, prevHash: anchor.hash, anchored: true };
  if (from !== undefined) return { seq: from, prevHash: undefined, anchored: false };
  return { seq: 1, prevHash: genesisHash(chain), anchored: false };
}

async function walkChain(sql: SqlClient, chain: string, start: WalkStart, counted: () => void): Promise<BrokenLink | undefined> {
  let expectedSeq = start.seq;
  let prevHash = start.prevHash;
  // From an anchor, every row is read: one at or before the anchor's seq means the anchor was moved.
  let readFrom = start.anchored ? 0 : start.seq;
  let firstRow = true;
  for (;;) {
    const rows = await sql.query<VerifiedRow>(
      `SELECT ${AUDIT_ROW_COLUMNS}, id, ${KEY_NAMES.join(', ')} FROM audit_event WHERE chain = $1 AND seq >= $2 ORDER BY seq LIMIT ${PAGE}`,
      [chain, readFrom],
    );
    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) return firstRow && start.anchored && seq < expectedSeq ? { chain, seq, reason: 'anchor mismatch' } : { chain, seq: expectedSeq, reason: 'gap' };
      if (firstRow && start.anchored && row.prev_hash !== prevHash) return { chain, seq, reason: 'anchor mismatch' };
      firstRow = false;
      if (prevHash !== undefined && row.prev_hash !== prevHash) return { chain, seq, reason: 'prev_hash mismatch' };
      if (!rowHashHolds(chain, row)) return { chain, seq, reason: 'hash mismatch' };
      if (!searchColumnsMatch(row)) return { chain, seq, reason: 'search columns mismatch' };
      counted();
      prevHash = row.hash;
      expectedSeq = seq + 1;
    }
    if (rows.length < PAGE) return undefined;
    readFrom = expectedSeq;
  }
}

/**
 * The hash does not cover the search columns: they are recomputed from the (verified) event, so that a row edited to
 * be found by another patient's search, or hidden from its own, is named like any other tampering.
 */
function searchColumnsMatch(row: VerifiedRow): boolean {
  if (row.id === null) return true;
  const event = row.resource as AuditEvent & { id?: string };
  if (row.id !== event.id) return false;
  const keys = auditSearchKeys(event);
  return KEY_LISTS.every((list) => sameKeys(row[KEY_COLUMNS[list]], keys[list]));
}

const sameKeys = (stored: unknown, expected: readonly string[]) =>
  Array.isArray(stored) && stored.length === expected.length && stored.every((k, i) => k === expected[i]);
