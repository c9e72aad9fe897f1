import { LIFT_TIMEOUTS, type Database } from '../database.ts';

const TABLES = ['resource', 'resource_version', 'search_token', 'search_string', 'search_reference', 'search_date', 'search_number', 'search_quantity', 'search_uri'];
// Any constant; only concurrent searches of one database have to agree on it.
const ANALYZE_LOCK = 7_024_311_002;

/**
 * Keeps planner statistics of the search tables current. Without them PostgreSQL estimates
 * every index lookup at one row and picks nested loops over whole tables (seconds, not
 * milliseconds); PGlite has no autovacuum at all, and a bulk load outpaces the server's.
 * One DO block: re-analyzes only tables never analyzed or much changed since, and only one
 * caller at a time (the others go on with the statistics they have). Run at start, after
 * seeding, and periodically (startStatisticsRefresh), never on the search path; never cut short by the
 * pool's statement timeout (an ANALYZE cancelled every time would leave the planner guessing for good).
 */
export async function refreshStaleStatistics(db: Database): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.query(LIFT_TIMEOUTS);
    await tx.query(`DO $$
    DECLARE
      stale text[];
      t text;
    BEGIN
      SELECT array_agg(c.relname::text) INTO stale
        FROM pg_class c LEFT JOIN pg_stat_user_tables s ON s.relid = c.oid
       WHERE c.relnamespace = current_schema()::regnamespace
         AND c.relname = ANY (ARRAY['${TABLES.join("','")}'])
         AND (c.reltuples < 0 OR COALESCE(s.n_mod_since_analyze, 0) > 1000 + 0.2 * c.reltuples);
      IF stale IS NOT NULL AND pg_try_advisory_xact_lock(${ANALYZE_LOCK}) THEN
        FOREACH t IN ARRAY stale LOOP
          EXECUTE format('ANALYZE %I', t);
        END LOOP;
      END IF;
    END $$`);
  });
}

export interface StatisticsRefresh {
  /** Stops the timer and waits for a refresh under way, so the database can close. */
  stop(): Promise<void>;
}

/**
 * Re-checks the statistics every `intervalMs` in the background (a timer that never keeps the process
 * alive), as background work of the pool: it waits its turn rather than being refused when the pool is busy.
 */
export function startStatisticsRefresh(db: Database, intervalMs: number, onError: (err: unknown) => void): StatisticsRefresh {
  let running: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    running = running.then(() => refreshStaleStatistics(db.background())).catch(onError);
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
