import type { Config } from '../config.ts';
import { openDatabases, type Database } from '../storage/database.ts';
import { migrate } from '../storage/migrate.ts';
import { refreshStaleStatistics, startStatisticsRefresh, type StatisticsRefresh } from '../storage/search/statistics.ts';

const STATISTICS_REFRESH_MS = 30_000;

export interface StorageWing {
  /** The FHIR pool: resources, search, bulk export (DATABASE_POOL_SIZE, FHIR_QUERY_TIMEOUT_MS). */
  db: Database;
  /** The authorization server's pool: its registry, grants, tokens, sessions, keys (DATABASE_AUTH_POOL_SIZE). */
  authDb: Database;
  /** Planner statistics brought up to date now (PGlite has no autovacuum). */
  refreshStatistics(): Promise<void>;
  /** Planner statistics kept fresh in the background until stopped. */
  keepStatisticsFresh(onError: (err: unknown) => void): StatisticsRefresh;
  /** Closes both pools, ignoring errors: for a start that failed. */
  abandon(): Promise<void>;
}

/** Opens the two pools and brings the schema up to date. */
export async function openStorageWing(config: Config, wrapDatabase: (db: Database) => Database = (pool) => pool): Promise<StorageWing> {
  // Two pools, so that expensive FHIR work can never take the connections token requests need.
  const opened = await openDatabases({
    databaseUrl: config.databaseUrl,
    engine: config.database,
    dataDir: config.dataDir,
    prepareStatements: config.databasePreparedStatements,
    pools: {
      fhir: { poolSize: config.databasePoolSize, statementTimeoutMs: config.fhir.queryTimeoutMs, maxQueue: config.databaseMaxQueue },
      auth: { poolSize: config.databaseAuthPoolSize, maxQueue: config.databaseMaxQueue },
    },
  });
  const db = wrapDatabase(opened.fhir);
  const authDb = wrapDatabase(opened.auth);
  const wing: StorageWing = {
    db,
    authDb,
    refreshStatistics: () => refreshStaleStatistics(db),
    keepStatisticsFresh: (onError) => startStatisticsRefresh(db, STATISTICS_REFRESH_MS, onError),
    async abandon() {
      await authDb.close().catch(() => {});
      await db.close().catch(() => {});
    },
  };
  try {
    await migrate(db);
  } catch (err) {
    await wing.abandon();
    throw err;
  }
  return wing;
}
