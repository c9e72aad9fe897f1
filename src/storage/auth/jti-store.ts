import type { JtiStore } from '../../auth/client-auth/jti-store.ts';
import type { SqlClient } from '../database.ts';
import { prepared } from '../prepared-statement.ts';

/** Expired rows are purged at most this often: a purge per assertion was a statement per token request. */
const PURGE_INTERVAL_MS = 60_000;

// Insert or fail; a row that expired but was not purged yet is reclaimed (so the purge can be occasional).
const CONSUME = prepared(`INSERT INTO client_assertion_jti (client_id, jti, expires_at) VALUES ($1, $2, $3)
  ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
    WHERE client_assertion_jti.expires_at < $4
  RETURNING jti`);

/** PostgreSQL implementation of the client-assertion jti ledger (migration 007). */
export function createJtiStore(sql: SqlClient): JtiStore {
  let lastPurge = Number.NEGATIVE_INFINITY;
  return {
    async consume(clientId, jti, expiresAt, now) {
      if (now.getTime() - lastPurge >= PURGE_INTERVAL_MS || now.getTime() < lastPurge) {
        lastPurge = now.getTime();
        await sql.query('DELETE FROM client_assertion_jti WHERE expires_at < $1', [now.toISOString()]);
      }
      const rows = await sql.query(CONSUME, [clientId, jti, expiresAt.toISOString(), now.toISOString()]);
      return rows.length === 1;
    },
  };
}
