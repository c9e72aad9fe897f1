import { ConfigError, loadConfig, type Config } from '../config.ts';
import { openDatabase, type Database } from '../storage/database.ts';
import { chooseEmbeddedDatabase } from '../storage/embedded-choice.ts';
import { migrate } from '../storage/migrate.ts';
import { UsageError } from './cli-io.ts';

/** The server's settings, as a command reads them: a bad one is a usage error (exit code 2). */
export function loadCommandConfig(env: Record<string, string | undefined>): Config {
  try {
    return loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
}

/** The server's database with its migrations applied, for a command's work; the command closes it. */
export async function openCommandDatabase(config: Config): Promise<Database> {
  const choice = config.databaseUrl ? undefined : await chooseEmbeddedDatabase(config.dataDir, config.database, config.databaseDefaulted);
  const db = await openDatabase({
    databaseUrl: config.databaseUrl,
    database: choice?.database ?? config.database,
    dataDir: config.dataDir,
    poolSize: 2,
    prepareStatements: config.databasePreparedStatements,
  });
  try {
    await migrate(db);
  } catch (err) {
    await db.close();
    throw err;
  }
  return db;
}
