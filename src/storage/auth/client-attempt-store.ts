import type { ClientAttemptStore } from '../../auth/client-auth/client-auth-throttle.ts';
import type { AttemptCount } from '../../auth/sessions/login-throttle.ts';
import type { SqlClient } from '../database.ts';
import { prepared } from '../prepared-statement.ts';

/** Rows of windows long over are purged at most this often (a purge per attempt was a statement per token request). */
const PURGE_INTERVAL_MS = 60_000;

// A wrong secret under the limit is counted in one statement: the increment and the read happen together, so
// concurrent failures are never lost.
const COUNT_ATTEMPT = prepared(`INSERT INTO auth_client_attempt AS a (key, attempts, window_started_at) VALUES ($1, 1, $2)
  ON CONFLICT (key) DO UPDATE SET
    attempts = CASE WHEN a.window_started_at <= $3 THEN 1 ELSE a.attempts + 1 END,
    window_started_at = CASE WHEN a.window_started_at <= $3 THEN EXCLUDED.window_started_at ELSE a.window_started_at END
  RETURNING attempts, (extract(epoch FROM window_started_at) * 1000)::float8 AS window_ms`);
// Every attempt's first statement: the failures of the window still running, if any.
const FAILURES = prepared(`SELECT attempts, (extract(epoch FROM window_started_at) * 1000)::float8 AS window_ms
  FROM auth_client_attempt WHERE key = $1 AND window_started_at > $2`);

/** PostgreSQL implementation of the client authentication failure counters (migration 016). */
export function createClientAttemptStore(sql: SqlClient): ClientAttemptStore {
  let lastPurge = Number.NEGATIVE_INFINITY;
  return {
    async countAttempt(key, now, windowCutoff) {
      if (now.getTime() - lastPurge >= PURGE_INTERVAL_MS || now.getTime() < lastPurge) {
        lastPurge = now.getTime();
        // One row per client_id ever sent, unknown ones included: windows over are forgotten.
        await sql.query('DELETE FROM auth_client_attempt WHERE window_started_at <= $1', [windowCutoff.toISOString()]);
      }
      const rows = await sql.query<{ attempts: number; window_ms: number }>(COUNT_ATTEMPT, [key, now.toISOString(), windowCutoff.toISOString()]);
      const row = rows[0];
      if (!row) throw new Error('client authentication failure was not counted');
      return countOf(row);
    },
    async failures(key, windowCutoff) {
      const rows = await sql.query<{ attempts: number; window_ms: number }>(FAILURES, [key, windowCutoff.toISOString()]);
      return rows[0] && countOf(rows[0]);
    },
  };
}

function countOf(row: { attempts: number; window_ms: number }): AttemptCount {
  return { attempts: Number(row.attempts), windowStartedAt: new Date(Number(row.window_ms)) };
}
