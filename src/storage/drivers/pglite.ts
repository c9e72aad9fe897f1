import type { PGlite } from '@electric-sql/pglite';
import type { Database, PoolOptions, SqlClient } from '../database.ts';
import type { PreparedStatement } from '../prepared-statement.ts';
import { createPgliteInstance } from './pglite-instance.ts';
import { openLanes } from './single-connection-lanes.ts';

const client = (c: Pick<PGlite, 'query'>): SqlClient => ({
  async query<R extends object>(text: string | PreparedStatement, params?: readonly unknown[]) {
    const res = await c.query<R>(typeof text === 'string' ? text : text.text, params as unknown[] | undefined);
    return res.rows;
  },
});

/**
 * PGlite in this thread: every statement runs on the event loop's thread and blocks it while it runs.
 * Its pools are lanes into the one connection (src/storage/drivers/single-connection-lanes.ts).
 */
export async function openPglite<K extends string>(dataDir: string, pools: Record<K, PoolOptions>): Promise<Record<K, Database>> {
  const pglite = await createPgliteInstance(dataDir);
  return openLanes(
    {
      query: (text, params) => client(pglite).query(text, params),
      transaction: (fn) => pglite.transaction((tx) => fn(client(tx))),
      close: () => pglite.close(),
    },
    pools,
  );
}
