import { mkdir, readdir, rename, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { copyDatabase } from '../storage/copy-database.ts';
import { openDatabase } from '../storage/database.ts';
import { migrate } from '../storage/migrate.ts';
import { UsageError, type CliIo } from './cli-io.ts';
import { loadCommandConfig } from './command-database.ts';

const USAGE = `Usage: portico migrate-data
  Moves a DATA_DIR made by PGlite (the embedded database before embedded PostgreSQL) to embedded PostgreSQL:
  copies every table into a new embedded PostgreSQL in DATA_DIR/postgres, then moves PGlite's files aside into
  DATA_DIR/pglite-before-migration. Portico must not be running on DATA_DIR meanwhile.
Uses the server's settings (DATA_DIR; DATABASE_URL must be unset).`;

/** PGlite's cluster files at the top of DATA_DIR. */
const PGLITE_FILE = /^(PG_VERSION|base|global|pg_[a-z_]+|postgresql(\.auto)?\.conf|postmaster\.opts|pg_hba\.conf|pg_ident\.conf)$/;
const ASIDE = 'pglite-before-migration';

const exists = (path: string) => stat(path).then(() => true, () => false);

/** `portico migrate-data`: PGlite's DATA_DIR → embedded PostgreSQL, all tables, then PGlite's files aside. */
export async function migrateDataCommand(args: readonly string[], io: CliIo): Promise<number> {
  if (args[0] === '--help' || args[0] === '-h') {
    io.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.length > 0) throw new UsageError(`migrate-data takes no arguments\n${USAGE}`);
  const config = loadCommandConfig({ ...io.env, DATABASE: undefined });
  if (config.databaseUrl) throw new UsageError('migrate-data moves an embedded DATA_DIR: unset DATABASE_URL');
  const dataDir = config.dataDir;
  if (!(await exists(join(dataDir, 'PG_VERSION')))) throw new Error(`DATA_DIR ${dataDir} holds no PGlite database (no PG_VERSION at its top): nothing to migrate`);
  if (await exists(join(dataDir, 'postgres', 'PG_VERSION'))) {
    throw new Error(`DATA_DIR ${dataDir} already holds an embedded PostgreSQL (${join(dataDir, 'postgres')}): move it away first, it would be overwritten`);
  }
  if (await exists(join(dataDir, ASIDE))) throw new Error(`${join(dataDir, ASIDE)} exists (an earlier migration?): move it away first`);

  const out = (line: string) => io.stdout.write(`${line}\n`);
  const source = await openDatabase({ databaseUrl: undefined, database: 'pglite', dataDir, poolSize: 1 });
  let copied;
  try {
    // Both at the current schema, so that every table has the same columns on both sides.
    await migrate(source);
    const target = await openDatabase({ databaseUrl: undefined, database: 'embedded-postgres', dataDir, poolSize: 2 });
    try {
      await migrate(target);
      copied = await copyDatabase(source, target, (name, rows) => out(`  ${name}: ${rows} rows`));
      await target.query('ANALYZE');
    } finally {
      await target.close();
    }
  } finally {
    await source.close();
  }
  const aside = join(dataDir, ASIDE);
  await mkdir(aside);
  for (const entry of await readdir(dataDir)) {
    if (PGLITE_FILE.test(entry)) await rename(join(dataDir, entry), join(aside, entry));
  }
  const rows = copied.tables.reduce((sum, t) => sum + t.rows, 0);
  out(`Copied ${copied.tables.length} tables (${rows} rows) from PGlite into embedded PostgreSQL in ${join(dataDir, 'postgres')}.`);
  out(`PGlite's files are in ${aside} (delete it once the new database is checked). npm start now runs on embedded PostgreSQL.`);
  return 0;
}
