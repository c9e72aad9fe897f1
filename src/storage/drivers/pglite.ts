import { mkdir } from 'node:fs/promises';
import { PGlite, types } from '@electric-sql/pglite';
import { createAdmission } from '../admission.ts';
import type { Database, PoolOptions, SqlClient } from '../database.ts';
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

/**
 * PGlite is one connection: it runs one statement or transaction at a time, in order of arrival. Each
 * pool is a lane into it that lets one unit of work through at a time, so a unit of one pool waits
 * behind at most one unit of each other pool, never behind another pool's whole queue; the rest of a
 * pool's work waits in its own lane, where request work is refused once `maxQueue` units wait.
 * A running statement cannot be interrupted (and blocks the process while it runs): PGlite has no
 * statement_timeout, so `statementTimeoutMs` does not apply.
 */
export async function openPglite<K extends string>(dataDir: string, pools: Record<K, PoolOptions>): Promise<Record<K, Database>> {
  if (!dataDir.startsWith('memory://')) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create(dataDir, { parsers });
  const client = (c: Pick<PGlite, 'query'>): SqlClient => ({
    async query<R extends object>(text: string | PreparedStatement, params?: readonly unknown[]) {
      const res = await c.query<R>(typeof text === 'string' ? text : text.text, params as unknown[] | undefined);
      return res.rows;
    },
  });
  // The instance closes with the last of its lanes.
  const open = new Set<string>(Object.keys(pools));
  let closing: Promise<void> | undefined;
  const closeLane = (name: string) => {
    open.delete(name);
    if (open.size === 0) closing ??= pglite.close();
    return closing ?? Promise.resolve();
  };

  const lane = (name: string, options: PoolOptions): Database => {
    const admission = createAdmission(1, options.maxQueue, name);
    const view = (mode: 'request' | 'background'): Database => {
      const admit = mode === 'request' ? admission.request : admission.background;
      return {
        driver: 'pglite',
        query: (text, params) => admit(() => client(pglite).query(text, params)),
        transaction<T>(fn: (tx: SqlClient) => Promise<T>) {
          return admit(() => pglite.transaction((tx) => fn(client(tx))));
        },
        async ping() {
          await admit(() => pglite.query('SELECT 1'));
        },
        overloaded: admission.overloaded,
        background: () => background,
        close: () => closeLane(name),
      };
    };
    const background = view('background');
    return view('request');
  };
  const lanes: Partial<Record<K, Database>> = {};
  for (const name of Object.keys(pools) as K[]) lanes[name] = lane(name, pools[name]);
  return lanes as Record<K, Database>;
}
