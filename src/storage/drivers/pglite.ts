import { mkdir } from 'node:fs/promises';
import { PGlite, types } from '@electric-sql/pglite';
import type { Database, SqlClient } from '../database.ts';
import type { PreparedStatement } from '../prepared-statement.ts';

const asText = (v: string) => v;
// Same row shapes as the pg driver: int8, numeric, date and timestamps as strings.
const parsers = {
  [types.INT8]: asText,
  [types.NUMERIC]: asText,
  [types.DATE]: asText,
  [types.TIMESTAMP]: asText,
  [types.TIMESTAMPTZ]: asText,
};

export async function openPglite(dataDir: string): Promise<Database> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, { parsers });
  const client = (c: Pick<PGlite, 'query'>): SqlClient => ({
    async query<R extends object>(text: string | PreparedStatement, params?: readonly unknown[]) {
      const res = await c.query<R>(typeof text === 'string' ? text : text.text, params as unknown[] | undefined);
      return res.rows;
    },
  });
  return {
    driver: 'pglite',
    ...client(pglite),
    transaction<T>(fn: (tx: SqlClient) => Promise<T>) {
      return pglite.transaction((tx) => fn(client(tx)));
    },
    async ping() {
      await pglite.query('SELECT 1');
    },
    async close() {
      await pglite.close();
    },
  };
}
