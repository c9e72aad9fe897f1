import type { AuditEvent, AuditTrail, RecordedAuditEvent } from '../../fhir/audit/audit-trail.ts';
import type { SqlClient } from '../database.ts';
import { createGroupCommit } from '../group-commit.ts';
import { storageTenant } from '../tenant-key.ts';
import { auditSearchKeys } from '../../fhir/audit/audit-search-keys.ts';
import { KEY_COLUMNS, KEY_LISTS } from './audit-columns.ts';
import { auditRowHash, canonicalJson, genesisHash } from './audit-hash.ts';

/** Events per INSERT at most. */
const MAX_BATCH = 256;

// One statement per batch: every event of it committed together, or none. The batch is one JSON array parameter,
// each event's canonical text in it as it stands and its search columns (migration 021) as JSON arrays: no per-element
// array escaping on the way out, one JSON parse on the way in.
const KEY_NAMES = KEY_LISTS.map((list) => KEY_COLUMNS[list]);
const INSERT_EVENTS = `INSERT INTO audit_event (tenant, chain, seq, recorded, resource, prev_hash, hash, id, ${KEY_NAMES.join(', ')})
  SELECT tenant, chain, seq, recorded, resource, prev_hash, hash, id, ${KEY_NAMES.join(', ')}
  FROM jsonb_to_recordset($1::jsonb)
    AS e(tenant text, chain text, seq bigint, recorded timestamptz, resource jsonb, prev_hash text, hash text, id text, ${KEY_NAMES.map((c) => `${c} text[]`).join(', ')})`;

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
          return { seq, resource, text, prevHash, hash };
        });
        try {
          const prefix = `{"tenant":${JSON.stringify(tenantKey)},"chain":${JSON.stringify(chain)}`;
          const batch = rows.map((r) => {
            const keys = auditSearchKeys(r.resource);
            const columns = KEY_LISTS.map((list) => `"${KEY_COLUMNS[list]}":${JSON.stringify(keys[list])}`).join(',');
            return `${prefix},"seq":${r.seq},"recorded":${JSON.stringify(r.resource.recorded)},"resource":${r.text},"prev_hash":"${r.prevHash}","hash":"${r.hash}","id":${JSON.stringify(r.resource.id)},${columns}}`;
          });
          await sql.query(INSERT_EVENTS, [`[${batch.join(',')}]`]);
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
