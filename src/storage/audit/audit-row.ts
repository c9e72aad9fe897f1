import type { SqlClient } from '../database.ts';
import { auditRowHash } from './audit-hash.ts';

/** An audit_event row as the chain walkers read it (seq as bigint: a string from pg, a number from PGlite). */
export interface AuditRow {
  tenant: string;
  seq: string | number;
  recorded: Date | string;
  resource: unknown;
  prev_hash: string;
  hash: string;
}

/** The columns of AuditRow, for a SELECT. */
export const AUDIT_ROW_COLUMNS = 'tenant, seq, recorded, resource, prev_hash, hash';

/** The chain's anchor (migration 022): where it starts once its oldest events have expired. */
export interface ChainAnchor {
  /** The last removed seq: the oldest retained event is seq + 1. */
  seq: number;
  /** That event's hash: the oldest retained event's prev_hash. */
  hash: string;
}

/** Whether a row's hash is what its own columns and prev_hash give (an UPDATE made in SQL changes one or the other). */
export function rowHashHolds(chain: string, row: AuditRow): boolean {
  const recorded = new Date(row.recorded).toISOString();
  return auditRowHash(row.prev_hash, { chain, seq: Number(row.seq), tenant: row.tenant, recorded, resource: row.resource }) === row.hash;
}

/** A chain's anchor, if its oldest events have expired. */
export async function readAnchor(sql: SqlClient, chain: string): Promise<ChainAnchor | undefined> {
  const [anchor] = await sql.query<{ seq: string | number; hash: string }>('SELECT seq, hash FROM audit_chain_anchor WHERE chain = $1', [chain]);
  return anchor ? { seq: Number(anchor.seq), hash: anchor.hash } : undefined;
}
