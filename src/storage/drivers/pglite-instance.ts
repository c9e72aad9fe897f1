import { mkdir } from 'node:fs/promises';
import { PGlite, types } from '@electric-sql/pglite';

const asText = (v: string) => v;
// Same row shapes as the pg driver: int8, numeric, date and timestamps as strings.
const parsers = {
  [types.INT8]: asText,
  [types.NUMERIC]: asText,
  [types.DATE]: asText,
  [types.TIMESTAMP]: asText,
  [types.TIMESTAMPTZ]: asText,
};

/** The PGlite database in `dataDir` (created when missing; `memory://` keeps it in memory), ready for statements. */
export async function createPgliteInstance(dataDir: string): Promise<PGlite> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  return PGlite.create(dataDir, { parsers });
}
