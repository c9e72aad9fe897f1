import type { Config } from '../config.ts';
import { chooseEmbeddedDatabase } from '../storage/embedded-choice.ts';
import { EMBEDDED_SPARE_CONNECTIONS } from '../storage/database.ts';
import { startEmbeddedPostgres } from '../storage/embedded/embedded-postgres.ts';

/** The database the processes of WORKERS > 1 share. */
export interface SharedDatabase {
  /** The primary's own configuration: the shared database as an external PostgreSQL. */
  config: Config;
  /** What each worker's environment gets on top of the primary's, so that it connects to the same database. */
  workerEnv: Record<string, string>;
  /** Where it is, for the start banner. */
  description: string;
  /** Stops the embedded server, if the primary started one, once the workers are gone. */
  stop(): Promise<void>;
}

/**
 * An external PostgreSQL is shared as it is. Embedded PostgreSQL is a server, not a file: the primary starts it
 * (sized for every worker's pools) and the workers connect to it as to an external one. PGlite cannot be shared
 * (config refuses WORKERS > 1 with it; a DATA_DIR that holds a PGlite database is refused here).
 */
export async function shareDatabase(config: Config): Promise<SharedDatabase> {
  if (config.databaseUrl) return { config, workerEnv: {}, description: 'PostgreSQL (DATABASE_URL)', stop: async () => {} };
  const choice = await chooseEmbeddedDatabase(config.dataDir, config.database, config.databaseDefaulted);
  if (choice.database !== 'embedded-postgres') {
    throw new Error(`WORKERS=${config.workers} needs PostgreSQL: ${choice.notice ?? 'PGlite is served by one process only'}`);
  }
  const perWorker = config.databasePoolSize + config.databaseAuthPoolSize;
  // Every worker's pools, the first process's own while it prepares the database, and the usual spare.
  const maxConnections = (config.workers + 1) * perWorker + EMBEDDED_SPARE_CONNECTIONS;
  const server = await startEmbeddedPostgres({ dataDir: config.dataDir, maxConnections });
  return {
    config: { ...config, databaseUrl: server.url },
    // An empty setting is an unset one: DATABASE would otherwise contradict DATABASE_URL.
    workerEnv: { DATABASE_URL: server.url, DATABASE: '' },
    description: server.description,
    stop: () => server.stop(),
  };
}
