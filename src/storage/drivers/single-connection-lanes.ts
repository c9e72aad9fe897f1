import { createAdmission } from '../admission.ts';
import type { Database, PoolOptions, SqlClient } from '../database.ts';

/** A database that is one connection (PGlite, in this thread or in a worker thread): it runs one statement or transaction at a time. */
export interface SingleConnection {
  query: SqlClient['query'];
  transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * One connection, several pools: the connection runs one statement or transaction at a time, in order
 * of arrival. Each pool is a lane into it that lets one unit of work through at a time, so a unit of
 * one pool waits behind at most one unit of each other pool, never behind another pool's whole queue;
 * the rest of a pool's work waits in its own lane, where request work is refused once `maxQueue` units
 * wait. A running statement cannot be interrupted: PGlite has no statement_timeout, so
 * `statementTimeoutMs` does not apply.
 */
export function openLanes<K extends string>(connection: SingleConnection, pools: Record<K, PoolOptions>): Record<K, Database> {
  // The connection closes with the last of its lanes.
  const open = new Set<string>(Object.keys(pools));
  let closing: Promise<void> | undefined;
  const closeLane = (name: string) => {
    open.delete(name);
    if (open.size === 0) closing ??= connection.close();
    return closing ?? Promise.resolve();
  };

  const lane = (name: string, options: PoolOptions): Database => {
    const admission = createAdmission(1, options.maxQueue, name);
    const view = (mode: 'request' | 'background'): Database => {
      const admit = mode === 'request' ? admission.request : admission.background;
      return {
        driver: 'pglite',
        query: (text, params) => admit(() => connection.query(text, params)),
        transaction<T>(fn: (tx: SqlClient) => Promise<T>) {
          return admit(() => connection.transaction(fn));
        },
        async ping() {
          await admit(() => connection.query('SELECT 1'));
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
