import type { SqlClient } from '../database.ts';
import { storageTenant, tenantOfStorage } from '../tenant-key.ts';

/** Events read per statement. */
const PAGE = 1000;

/** A stored event: the AuditEvent resource (with its id and recorded) and where it sits in its chain. */
export interface StoredAuditEvent {
  /** The tenant id (as in `/t/{tenant}`). */
  tenant: string;
  chain: string;
  seq: number;
  /** ISO 8601, milliseconds, UTC. */
  recorded: string;
  resource: unknown;
}

interface EventRow {
  tenant: string;
  chain: string;
  seq: string | number;
  recorded: Date | string;
  resource: unknown;
}

const EVENT_COLUMNS = 'e.tenant, e.chain, e.seq, e.recorded, e.resource';

const stored = (row: EventRow): StoredAuditEvent => ({
  tenant: tenantOfStorage(row.tenant),
  chain: row.chain,
  seq: Number(row.seq),
  recorded: new Date(row.recorded).toISOString(),
  resource: row.resource,
});

export interface AuditWindow {
  /** Recorded at or after. */
  since: Date;
  /** Recorded before; absent: up to the newest. */
  until?: Date;
  /** A tenant id; absent: every tenant. */
  tenant?: string;
}

/**
 * The events of a window, ordered by recorded, then chain and seq (a total order, so each page starts exactly where
 * the last one stopped), one page per statement: never the whole window in memory.
 */
export async function* readAuditEvents(sql: SqlClient, window: AuditWindow): AsyncGenerator<StoredAuditEvent[]> {
  const filter = `e.recorded >= $1 AND ($2::timestamptz IS NULL OR e.recorded < $2) AND ($3::text IS NULL OR e.tenant = $3)`;
  const params = [window.since.toISOString(), window.until?.toISOString() ?? null, window.tenant === undefined ? null : storageTenant(window.tenant)];
  let after: StoredAuditEvent | undefined;
  for (;;) {
    const rows = after
      ? await sql.query<EventRow>(
          `SELECT ${EVENT_COLUMNS} FROM audit_event e WHERE ${filter} AND (e.recorded, e.chain, e.seq) > ($4::timestamptz, $5::text, $6::bigint)
           ORDER BY e.recorded, e.chain, e.seq LIMIT ${PAGE}`,
          [...params, after.recorded, after.chain, after.seq],
        )
      : await sql.query<EventRow>(`SELECT ${EVENT_COLUMNS} FROM audit_event e WHERE ${filter} ORDER BY e.recorded, e.chain, e.seq LIMIT ${PAGE}`, params);
    const page = rows.map(stored);
    if (page.length > 0) yield page;
    if (rows.length < PAGE) return;
    after = page.at(-1);
  }
}

/**
 * How late after its recorded time a chain's first event may be committed and still be followed. Once a chain has
 * been seen it is followed by seq however late its events come; a chain not seen yet is found by recorded time, and
 * an event is recorded just before its INSERT, which waits at most for a connection and its statement.
 */
const LATE_COMMIT_MS = 15 * 60_000;

export interface AuditFollower {
  /** The events committed since the last poll (the first: since `since`), in recorded order, each once. */
  poll(): Promise<StoredAuditEvent[]>;
}

/**
 * Follows the table as events are committed (`portico audit tail`). A time cursor alone would skip events: chains
 * of different processes commit independently, so an event recorded earlier may be committed after one recorded
 * later has been seen. So each chain is followed by its last seq seen (its events are committed in seq order), and
 * time only finds chains not seen yet: those with events recorded at or after `since`, then within LATE_COMMIT_MS of
 * the previous poll. A chain quiet for that long is forgotten; should it write again, its new events are recorded
 * after everything seen of it, so time finds them.
 */
export function createAuditFollower(sql: SqlClient, options: { since: Date; tenant?: string; now: () => Date }): AuditFollower {
  const tenantKey = options.tenant === undefined ? null : storageTenant(options.tenant);
  /** Per chain: the last seq seen and when it was recorded (ms). */
  const seen = new Map<string, { seq: number; recorded: number }>();
  let floor = options.since.getTime();

  const remember = (events: StoredAuditEvent[]) => {
    for (const event of events) {
      const last = seen.get(event.chain);
      if (!last || event.seq > last.seq) seen.set(event.chain, { seq: event.seq, recorded: Date.parse(event.recorded) });
    }
  };

  // Chains already seen: their next events by primary key, however late they were committed.
  const followSeen = async (): Promise<EventRow[]> => {
    if (seen.size === 0) return [];
    const chains = [...seen.keys()];
    return sql.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM unnest($1::text[], $2::bigint[]) AS s(chain, seq)
       JOIN audit_event e ON e.chain = s.chain AND e.seq > s.seq
       ORDER BY e.chain, e.seq LIMIT ${PAGE}`,
      [chains, chains.map((c) => seen.get(c)?.seq ?? 0)],
    );
  };

  // Chains not seen yet, by time.
  const findNew = (): Promise<EventRow[]> =>
    sql.query<EventRow>(
      `SELECT ${EVENT_COLUMNS} FROM audit_event e
       WHERE e.recorded >= $1 AND ($2::text IS NULL OR e.tenant = $2) AND NOT (e.chain = ANY ($3::text[]))
       ORDER BY e.chain, e.seq LIMIT ${PAGE}`,
      [new Date(floor).toISOString(), tenantKey, [...seen.keys()]],
    );

  return {
    async poll() {
      const startedAt = options.now().getTime();
      const found: StoredAuditEvent[] = [];
      for (;;) {
        const known = (await followSeen()).map(stored);
        remember(known);
        const fresh = (await findNew()).map(stored);
        remember(fresh);
        found.push(...known, ...fresh);
        if (known.length < PAGE && fresh.length < PAGE) break;
      }
      floor = Math.max(floor, startedAt - LATE_COMMIT_MS);
      for (const [chain, last] of seen) if (last.recorded < floor) seen.delete(chain);
      return found.sort((a, b) => (a.recorded < b.recorded ? -1 : a.recorded > b.recorded ? 1 : a.chain < b.chain ? -1 : a.chain > b.chain ? 1 : a.seq - b.seq));
    },
  };
}
