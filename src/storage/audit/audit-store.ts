import type { AuditEvent, AuditTrail, RecordedAuditEvent } from '../../fhir/audit/audit-trail.ts';
import type { SqlClient } from '../database.ts';
import { createGroupCommit } from '../group-commit.ts';
import { storageTenant } from '../tenant-key.ts';
import { KEY_COLUMNS, KEY_LISTS, keyLiterals } from './audit-columns.ts';
import { auditRowHash, canonicalJson, genesisHash } from './audit-hash.ts';

/** Events per INSERT at most. */
const MAX_BATCH = 256;

// One statement per batch: every event of it committed together, or none. The search columns (migration 021) come as
// array literals, one per event, cast back here.
const KEY_NAMES = KEY_LISTS.map((list) => KEY_COLUMNS[list]);
const INSERT_EVENTS = `INSERT INTO audit_event (tenant, chain, seq, recorded, resource, prev_hash, hash, id, ${KEY_NAMES.join(', ')})
  SELECT tenant, chain, seq, recorded, resource::jsonb, prev_hash, hash, id, ${KEY_NAMES.map((c) => `${c}::text[]`).join(', ')}
  FROM unnest($1::text[], $2::text[], $3::bigint[], $4::timestamptz[], $5::text[], $6::text[], $7::text[], $8::text[], ${KEY_NAMES.map((_, i) => `$${i + 9}::text[]`).join(', ')})
    AS e(tenant, chain, seq, recorded, resource, prev_hash, hash, id, ${KEY_NAMES.join(', ')})`;

// The chain's last event; when every event of it has expired, its anchor (migration 022) holds the last seq and hash.
const CHAIN_HEAD = `SELECT seq, hash FROM (SELECT seq, hash FROM audit_event WHERE chain = $1 ORDER BY seq DESC LIMIT 1) AS last_event
  UNION ALL SELECT seq, hash FROM audit_chain_anchor WHERE chain = $1
  ORDER BY seq DESC LIMIT 1`;

export interface AuditStoreOptions {
  now: () => Date;
  newId: () => string;
}

/** The last event of a chain that is known to be committed. */
interface ChainHead {
  seq: number;
  hash: string;
}

/**
 * The audit trail on PostgreSQL (migration 020). Every tenant's events go to a chain of this writer's own,
 * `<tenant>/<writer id>`, the writer id new at each start: no other process or start ever appends to it, so seq and
 * prev_hash are assigned here, when a batch is formed, with no read of the database. A chain takes one statement at
 * a time (group commit, one in flight): the events that arrive meanwhile go together in the next INSERT, and the
 * chain's head advances only once that INSERT has committed. When it fails every event of the batch rejects and the
 * head stays; the next batch reads the head back first, in case the failure came after the commit (a dropped
 * connection), so the chain never forks or repeats a seq.
 */
export function createAuditStore(sql: SqlClient, options: AuditStoreOptions): AuditTrail {
  const writerId = options.newId();
  const chains = new Map<string, (event: RecordedAuditEvent) => Promise<void>>();

  const chainWriter = (tenant: string): ((event: RecordedAuditEvent) => Promise<void>) => {
    const chain = `${tenant}/${writerId}`;
    const tenantKey = storageTenant(tenant);
    let head: ChainHead | undefined = { seq: 0, hash: genesisHash(chain) };
    const write = createGroupCommit<RecordedAuditEvent, void>(
      async (events) => {
        head ??= await readHead(sql, chain);
        let { seq, hash } = head;
        const rows = events.map((resource) => {
          seq += 1;
          const prevHash = hash;
          // One serialisation: the canonical text is both what the hash covers and what the row stores.
          const text = canonicalJson(resource);
          hash = auditRowHash(prevHash, { chain, seq, tenant: tenantKey, recorded: resource.recorded, resource }, text);
          return { seq, resource, text, prevHash, hash, keys: keyLiterals(resource) };
        });
        try {
          await sql.query(INSERT_EVENTS, [
            rows.map(() => tenantKey),
            rows.map(() => chain),
            rows.map((r) => r.seq),
            rows.map((r) => r.resource.recorded),
            rows.map((r) => r.text),
            rows.map((r) => r.prevHash),
            rows.map((r) => r.hash),
            rows.map((r) => r.resource.id),
            ...KEY_LISTS.map((_, i) => rows.map((r) => r.keys[i])),
          ]);
        } catch (err) {
          head = undefined;
          throw err;
        }
        head = { seq, hash };
        return events.map(() => undefined);
      },
      { maxInFlight: 1, maxBatch: MAX_BATCH },
    );
    return write;
  };

  return {
    async record(tenant, event: AuditEvent) {
      let write = chains.get(tenant);
      if (!write) {
        write = chainWriter(tenant);
        chains.set(tenant, write);
      }
      await write({ ...event, id: options.newId(), recorded: options.now().toISOString() });
    },
  };
}

/** The chain's last committed event (or the anchor of its expired ones), or its genesis when it has none. */
async function readHead(sql: SqlClient, chain: string): Promise<ChainHead> {
  const [last] = await sql.query<{ seq: string | number; hash: string }>(CHAIN_HEAD, [chain]);
  return last ? { seq: Number(last.seq), hash: last.hash } : { seq: 0, hash: genesisHash(chain) };
}
