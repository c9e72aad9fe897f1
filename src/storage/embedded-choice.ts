import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { EmbeddedDatabase } from './database.ts';

/** The embedded database to open in DATA_DIR, and a line to print when it is not the one asked for. */
export interface EmbeddedChoice {
  database: EmbeddedDatabase;
  notice?: string;
}

/**
 * A DATA_DIR made by PGlite, the embedded default before embedded PostgreSQL, holds PGlite's cluster at its top
 * (`PG_VERSION`, `base/`, …); embedded PostgreSQL keeps its own in `DATA_DIR/postgres`. Where DATABASE is unset, such
 * a directory keeps PGlite, saying so; where DATABASE=embedded-postgres is asked for explicitly, its data would
 * silently be left behind, so that is refused.
 */
export async function chooseEmbeddedDatabase(dataDir: string, requested: EmbeddedDatabase, defaulted: boolean): Promise<EmbeddedChoice> {
  if (requested !== 'embedded-postgres' || dataDir.startsWith('memory://')) return { database: requested };
  const holdsPglite = await stat(join(dataDir, 'PG_VERSION')).then(() => true, () => false);
  if (!holdsPglite) return { database: requested };
  const howToMove = `to move its data to embedded PostgreSQL, run: portico migrate-data (DATA_DIR=${dataDir})`;
  if (!defaulted) {
    throw new Error(`DATABASE=embedded-postgres, but DATA_DIR ${dataDir} holds a PGlite database: set DATABASE=pglite to keep using it, or ${howToMove}`);
  }
  return { database: 'pglite', notice: `DATA_DIR ${dataDir} holds a PGlite database: Portico keeps using PGlite there; ${howToMove}` };
}
