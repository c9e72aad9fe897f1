import type { Config } from '../config.ts';
import type { AuditTrail } from '../fhir/audit/audit-trail.ts';
import { backfillAuditSearchColumns } from '../storage/audit/audit-backfill.ts';
import { startAuditExpiry, type AuditExpiry, type AuditExpiryTimer } from '../storage/audit/audit-expiry.ts';
import { createAuditStore } from '../storage/audit/audit-store.ts';
import { openDatabases, openDescribedDatabases, type Database } from '../storage/database.ts';
import { chooseEmbeddedDatabase } from '../storage/embedded-choice.ts';
import { migrate } from '../storage/migrate.ts';
import { refreshStaleStatistics, startStatisticsRefresh, type StatisticsRefresh } from '../storage/search/statistics.ts';
import type { Runtime } from './runtime.ts';

const STATISTICS_REFRESH_MS = 30_000;
/** Audit expiry: a minute after start (out of the start's way), then hourly. */
const AUDIT_EXPIRY_FIRST_DELAY_MS = 60_000;
const AUDIT_EXPIRY_INTERVAL_MS = 3_600_000;

export interface StorageWing {
  /** The FHIR pool: resources, search, bulk export (DATABASE_POOL_SIZE, FHIR_QUERY_TIMEOUT_MS). */
  db: Database;
  /** The authorization server's pool: its registry, grants, tokens, sessions, keys (DATABASE_AUTH_POOL_SIZE). */
  authDb: Database;
  /** Which database, where (the start banner), and a line about the choice when it differs from the setting's. */
  databaseInUse: { description: string; notice?: string };
  /**
   * DATABASE_READ_URL: a pool on the streaming replica, as large as the FHIR pool and with its statement timeout, for
   * the FHIR reads src/storage/resource-store.ts routes there. Never written to; never used for the auth registry.
   */
  readDb?: Database;
  /**
   * The audit trail (src/storage/audit), on the FHIR pool: this process's hash chains, one per tenant, under a writer
   * id drawn from `newId` at start. The FHIR API records here.
   */
  audit: AuditTrail;
  /**
   * The authorization server's events (sign-in, codes, tokens, registry changes), on its own pool and chains, so that
   * a flood of FHIR work never holds back the token endpoint's events.
   */
  authAudit: AuditTrail;
  /** Planner statistics brought up to date now (PGlite has no autovacuum). */
  refreshStatistics(): Promise<void>;
  /** Planner statistics kept fresh in the background until stopped. */
  keepStatisticsFresh(onError: (err: unknown) => void): StatisticsRefresh;
  /**
   * AUDIT_RETENTION_DAYS: events older than the retention removed from the start of their chains in the background,
   * shortly after start and then hourly, until stopped (src/storage/audit/audit-expiry.ts; one process at a time).
   */
  keepAuditExpiring(onRun: (run: AuditExpiry) => void, onError: (err: unknown) => void): AuditExpiryTimer;
  /** Closes both pools, ignoring errors: for a start that failed. */
  abandon(): Promise<void>;
}

/** Opens the two pools and brings the schema up to date. */
export async function openStorageWing(
  config: Config,
  runtime: Pick<Runtime, 'now' | 'newId'>,
  wrapDatabase: (db: Database) => Database = (pool) => pool,
  whileStarting?: () => void,
): Promise<StorageWing> {
  const choice = config.databaseUrl ? undefined : await chooseEmbeddedDatabase(config.dataDir, config.database, config.databaseDefaulted);
  // Two pools, so that expensive FHIR work can never take the connections token requests need.
  const { pools: opened, description } = await openDescribedDatabases({
    databaseUrl: config.databaseUrl,
    database: choice?.database ?? config.database,
    dataDir: config.dataDir,
    prepareStatements: config.databasePreparedStatements,
    ...(whileStarting ? { whileStarting } : {}),
    pools: {
      fhir: { poolSize: config.databasePoolSize, statementTimeoutMs: config.fhir.queryTimeoutMs, maxQueue: config.databaseMaxQueue, connectTimeoutMs: config.databaseConnectTimeoutMs },
      auth: { poolSize: config.databaseAuthPoolSize, maxQueue: config.databaseMaxQueue, connectTimeoutMs: config.databaseConnectTimeoutMs },
    },
  });
  const db = wrapDatabase(opened.fhir);
  const authDb = wrapDatabase(opened.auth);
  let readDb: Database | undefined;
  try {
    readDb = config.databaseReadUrl ? wrapDatabase(await openReplica(config, config.databaseReadUrl)) : undefined;
  } catch (err) {
    await Promise.all([authDb.close().catch(() => {}), db.close().catch(() => {})]);
    throw err;
  }
  const wing: StorageWing = {
    db,
    authDb,
    databaseInUse: { description, ...(choice?.notice ? { notice: choice.notice } : {}) },
    ...(readDb ? { readDb } : {}),
    audit: createAuditStore(db, runtime),
    authAudit: createAuditStore(authDb, runtime),
    refreshStatistics: () => refreshStaleStatistics(db),
    keepStatisticsFresh: (onError) => startStatisticsRefresh(db, STATISTICS_REFRESH_MS, onError),
    keepAuditExpiring: (onRun, onError) =>
      startAuditExpiry(db, {
        now: runtime.now,
        retentionDays: config.audit.retentionDays,
        firstDelayMs: AUDIT_EXPIRY_FIRST_DELAY_MS,
        intervalMs: AUDIT_EXPIRY_INTERVAL_MS,
        onRun,
        onError,
      }),
    async abandon() {
      await readDb?.close().catch(() => {});
      await authDb.close().catch(() => {});
      await db.close().catch(() => {});
    },
  };
  try {
    await migrate(db);
    // Events recorded before their search columns existed (migration 021) get them before anything reads them.
    await backfillAuditSearchColumns(db);
  } catch (err) {
    await wing.abandon();
    throw err;
  }
  return wing;
}

/** The replica's pool: the FHIR pool's budget, on DATABASE_READ_URL. Migrations reach it by replication, never from here. */
async function openReplica(config: Config, url: string): Promise<Database> {
  const { replica } = await openDatabases({
    databaseUrl: url,
    dataDir: config.dataDir,
    prepareStatements: config.databasePreparedStatements,
    pools: { replica: { poolSize: config.databasePoolSize, statementTimeoutMs: config.fhir.queryTimeoutMs, maxQueue: config.databaseMaxQueue, connectTimeoutMs: config.databaseConnectTimeoutMs } },
  });
  return replica;
}
