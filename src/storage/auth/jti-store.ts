import type { JtiStore } from '../../auth/client-auth/jti-store.ts';
import type { SqlClient } from '../database.ts';
import { createGroupCommit } from '../group-commit.ts';
import { prepared } from '../prepared-statement.ts';

/** Expired rows are purged at most this often: a purge per assertion was a statement per token request. */
const PURGE_INTERVAL_MS = 60_000;
/** Statements of the ledger running at once: the auth pool keeps connections for the rest of a token request. */
const MAX_IN_FLIGHT = 2;
const MAX_BATCH = 256;

// Insert or fail, for every jti of a batch in one statement (one commit). A row that expired but was not purged
// yet is reclaimed (so the purge can be occasional). The primary key decides between concurrent statements, in
// this process or another: a jti comes back from exactly one of them.
const CONSUME = prepared(`INSERT INTO client_assertion_jti (client_id, jti, expires_at)
  SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])
  ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
    WHERE client_assertion_jti.expires_at < $4
  RETURNING client_id, jti`);

interface Consumption {
  clientId: string;
  jti: string;
  expiresAt: Date;
  now: Date;
}

const keyOf = (clientId: string, jti: string) => JSON.stringify([clientId, jti]);

/**
 * PostgreSQL implementation of the client-assertion jti ledger (migration 007). Concurrent assertions are
 * recorded together (group-commit.ts): the token endpoint's durable write is shared by the requests that
 * arrive while one is being written, instead of a commit each.
 */
export function createJtiStore(sql: SqlClient): JtiStore {
  let lastPurge = Number.NEGATIVE_INFINITY;
  const consumeAll = createGroupCommit<Consumption, boolean>(
    async (batch) => {
      // The latest clock of the batch decides which stored rows have expired: all were read within the batch's wait.
      const now = Math.max(...batch.map((c) => c.now.getTime()));
      if (now - lastPurge >= PURGE_INTERVAL_MS || now < lastPurge) {
        lastPurge = now;
        await sql.query('DELETE FROM client_assertion_jti WHERE expires_at < $1', [new Date(now).toISOString()]);
      }
      const rows = await sql.query<{ client_id: string; jti: string }>(CONSUME, [
        batch.map((c) => c.clientId),
        batch.map((c) => c.jti),
        batch.map((c) => c.expiresAt.toISOString()),
        new Date(now).toISOString(),
      ]);
      const fresh = new Set(rows.map((r) => keyOf(r.client_id, r.jti)));
      return batch.map((c) => fresh.has(keyOf(c.clientId, c.jti)));
    },
    // The same jti twice in one statement would be an error, not a replay refused: the second waits its turn.
    { maxInFlight: MAX_IN_FLIGHT, maxBatch: MAX_BATCH, key: (c) => keyOf(c.clientId, c.jti) },
  );
  return {
    consume: (clientId, jti, expiresAt, now) => consumeAll({ clientId, jti, expiresAt, now }),
  };
}
