import type { JtiStore } from '../../auth/client-auth/jti-store.ts';
import type { SqlClient } from '../database.ts';
import { createGroupCommit } from '../group-commit.ts';
import { prepared } from '../prepared-statement.ts';

/** Expired rows are purged at most this often: a purge per assertion was a statement per token request. */
const PURGE_INTERVAL_MS = 60_000;
/** Statements of the ledger running at once: the auth pool keeps connections for the rest of a token request. */
const MAX_IN_FLIGHT = 2;
const MAX_BATCH = 256;

/**
 * Records the jtis of `rows` (a query of client_id, jti, expires_at), returning those that were not recorded
 * (unexpired) before: insert or fail. A row that expired but was not purged yet is reclaimed (so the purge can be
 * occasional), `now` deciding. The primary key decides between concurrent statements, in this process or another:
 * a jti comes back from exactly one of them.
 */
export function consumeJtisSql(rows: string, now: string): string {
  // Rows in key order: two statements claiming some of the same jtis then wait for each other in the same order,
  // where any other order could deadlock (each holding a key the other is inserting), refused as a 503 for both.
  return `INSERT INTO client_assertion_jti (client_id, jti, expires_at) SELECT * FROM (${rows}) AS claimed ORDER BY 1, 2
  ON CONFLICT (client_id, jti) DO UPDATE SET expires_at = EXCLUDED.expires_at
    WHERE client_assertion_jti.expires_at < ${now}
  RETURNING client_id, jti`;
}

// Every jti of a batch in one statement (one commit).
const CONSUME = prepared(consumeJtisSql('SELECT * FROM unnest($1::text[], $2::text[], $3::timestamptz[])', '$4::timestamptz'));

/** Deletes expired jtis, at most once a minute whatever the clock says (`now` going back included). */
export function createJtiPurge(sql: SqlClient): (now: number) => Promise<void> {
  let lastPurge = Number.NEGATIVE_INFINITY;
  return async (now) => {
    if (now - lastPurge < PURGE_INTERVAL_MS && now >= lastPurge) return;
    lastPurge = now;
    await sql.query('DELETE FROM client_assertion_jti WHERE expires_at < $1', [new Date(now).toISOString()]);
  };
}

interface Consumption {
  clientId: string;
  jti: string;
  expiresAt: Date;
  now: Date;
}

/** A jti's key in a batch (group-commit.ts): the same jti twice in one statement would be an error, not a replay refused. */
export const jtiKey = (clientId: string, jti: string) => JSON.stringify([clientId, jti]);

/**
 * PostgreSQL implementation of the client-assertion jti ledger (migration 007). Concurrent assertions are
 * recorded together (group-commit.ts): the token endpoint's durable write is shared by the requests that
 * arrive while one is being written, instead of a commit each.
 */
export function createJtiStore(sql: SqlClient): JtiStore {
  const purge = createJtiPurge(sql);
  const consumeAll = createGroupCommit<Consumption, boolean>(
    async (batch) => {
      // The latest clock of the batch decides which stored rows have expired: all were read within the batch's wait.
      const now = Math.max(...batch.map((c) => c.now.getTime()));
      await purge(now);
      const rows = await sql.query<{ client_id: string; jti: string }>(CONSUME, [
        batch.map((c) => c.clientId),
        batch.map((c) => c.jti),
        batch.map((c) => c.expiresAt.toISOString()),
        new Date(now).toISOString(),
      ]);
      const fresh = new Set(rows.map((r) => jtiKey(r.client_id, r.jti)));
      return batch.map((c) => fresh.has(jtiKey(c.clientId, c.jti)));
    },
    { maxInFlight: MAX_IN_FLIGHT, maxBatch: MAX_BATCH, keys: (c) => [jtiKey(c.clientId, c.jti)] },
  );
  return {
    consume: (clientId, jti, expiresAt, now) => consumeAll({ clientId, jti, expiresAt, now }),
  };
}
