import { readdir, readFile } from 'node:fs/promises';
import { LIFT_TIMEOUTS, type Database } from './database.ts';

// Next to this file; `npm start` runs a bundle in dist/, whose own URL is dist/main.mjs: the same folder of the sources.
const MIGRATIONS_DIR = new URL(import.meta.url.endsWith('.ts') ? './migrations/' : '../src/storage/migrations/', import.meta.url);
// Any constant works; it only has to be the same in every process sharing the database.
export const MIGRATION_LOCK = 7_024_311_001;

export interface MigrationResult {
  applied: string[];
}

/**
 * Applies the versioned migrations in src/storage/migrations (NNN_name.sql, in order), each once.
 * Safe when several processes start together: a transaction-scoped advisory lock serialises them,
 * and the second finds the work done.
 */
export async function migrate(db: Database): Promise<MigrationResult> {
  const files = (await readdir(MIGRATIONS_DIR)).filter((f) => /^\d{3}_[\w-]+\.sql$/.test(f)).sort();
  return db.transaction(async (tx) => {
    // A migration may rewrite large tables, and a twin waits here for another's: no statement or lock timeout applies.
    await tx.query(LIFT_TIMEOUTS);
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
    await tx.query(
      `CREATE TABLE IF NOT EXISTS schema_migration (
         version text PRIMARY KEY,
         applied_at timestamptz NOT NULL DEFAULT now()
       )`,
    );
    const done = new Set(
      (await tx.query<{ version: string }>('SELECT version FROM schema_migration')).map((r) => r.version),
    );
    const applied: string[] = [];
    for (const file of files) {
      const version = file.slice(0, -'.sql'.length);
      if (done.has(version)) continue;
      const sql = await readFile(new URL(file, MIGRATIONS_DIR), 'utf8');
      for (const statement of splitStatements(sql)) await tx.query(statement);
      await tx.query('INSERT INTO schema_migration (version) VALUES ($1)', [version]);
      applied.push(version);
    }
    return { applied };
  });
}

/** Splits a migration on semicolons at line ends (our migrations keep one statement per `;\n`). */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter((s) => s.length > 0);
}
