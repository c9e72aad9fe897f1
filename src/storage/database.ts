import type { PreparedStatement } from './prepared-statement.ts';

/**
 * The one SQL interface both drivers implement. PostgreSQL dialect, `$1` placeholders.
 * Everything above src/storage sees only the stores built on it, never this.
 */
export interface SqlClient {
  query<R extends object = Record<string, unknown>>(text: string | PreparedStatement, params?: readonly unknown[]): Promise<R[]>;
}

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
  close(): Promise<void>;
}

export interface DatabaseOptions {
  databaseUrl: string | undefined;
  /** PGlite data directory; `memory://` keeps it in memory (tests). */
  dataDir: string;
  poolSize: number;
  /**
   * PostgreSQL: send `prepared()` statements named, prepared once per connection (default true).
   * Off for poolers that do not keep a server connection per client (PgBouncer in transaction mode).
   */
  prepareStatements?: boolean;
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  if (options.databaseUrl) {
    const { openPostgres } = await import('./drivers/postgres.ts');
    return openPostgres(options.databaseUrl, options.poolSize, options.prepareStatements ?? true);
  }
  const { openPglite } = await import('./drivers/pglite.ts');
  return openPglite(options.dataDir);
}
