import type { RecordedAuditEvent } from '../../fhir/audit/audit-trail.ts';
import type { SqlClient } from '../database.ts';
import { KEY_COLUMNS, KEY_LISTS, keyLiterals } from './audit-columns.ts';

/** Events filled per statement. */
const BATCH = 500;

const KEY_NAMES = KEY_LISTS.map((list) => KEY_COLUMNS[list]);
const FILL = `UPDATE audit_event a SET id = e.id, ${KEY_NAMES.map((c) => `${c} = e.${c}::text[]`).join(', ')}
  FROM unnest($1::text[], $2::bigint[], $3::text[], ${KEY_NAMES.map((_, i) => `$${i + 4}::text[]`).join(', ')})
    AS e(chain, seq, id, ${KEY_NAMES.join(', ')})
  WHERE a.chain = e.chain AND a.seq = e.seq`;

/**
 * Fills the search columns of events recorded before migration 021 (`id` NULL), from each event, as the store fills
 * them when it writes one; the number filled. Run at start, before the FHIR API serves: idempotent, so processes
 * starting together may both run it.
 */
export async function backfillAuditSearchColumns(sql: SqlClient): Promise<number> {
  let filled = 0;
  for (;;) {
    const rows = await sql.query<{ chain: string; seq: string | number; resource: RecordedAuditEvent }>(
      `SELECT chain, seq, resource FROM audit_event WHERE id IS NULL LIMIT ${BATCH}`,
    );
    if (rows.length === 0) return filled;
    const keys = rows.map((r) => keyLiterals(r.resource));
    await sql.query(FILL, [
      rows.map((r) => r.chain),
      rows.map((r) => Number(r.seq)),
      // An event without an id (none is written so) still leaves the NULL that marks it: give it its chain position.
      rows.map((r) => r.resource.id ?? `${r.chain}#${r.seq}`),
      ...KEY_LISTS.map((_, i) => keys.map((k) => k[i])),
    ]);
    filled += rows.length;
  }
}
