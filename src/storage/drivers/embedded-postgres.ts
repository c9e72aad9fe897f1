import type { Database, OpenedDatabases, PoolOptions } from '../database.ts';
import { startEmbeddedPostgres } from '../embedded/embedded-postgres.ts';
import { openPostgres } from './postgres.ts';

/**
 * The PostgreSQL driver on a server this process starts in `dataDir/postgres` (src/storage/embedded), stopped once
 * the last of the pools has closed.
 */
export async function openEmbeddedPostgres<K extends string>(
  dataDir: string,
  pools: Record<K, PoolOptions>,
  maxConnections: number,
  prepareStatements: boolean,
  whileStarting?: () => void,
): Promise<OpenedDatabases<K>> {
  const server = await startEmbeddedPostgres({ dataDir, maxConnections, ...(whileStarting ? { whileStarting } : {}) });
  let opened: Record<K, Database>;
  try {
    opened = await openPostgres(server.url, pools, prepareStatements);
  } catch (err) {
    await server.stop();
    throw err;
  }
  const open = new Set<string>(Object.keys(pools));
  let stopping: Promise<void> | undefined;
  const closeLast = async (name: string, db: Database) => {
    await db.close();
    open.delete(name);
    if (open.size === 0) stopping ??= server.stop();
    await stopping;
  };
  const stoppingWithLast = (name: string, db: Database): Database => ({
    ...db,
    background: () => ({ ...db.background(), close: () => closeLast(name, db) }),
    close: () => closeLast(name, db),
  });
  const result: Partial<Record<K, Database>> = {};
  for (const name of Object.keys(pools) as K[]) result[name] = stoppingWithLast(name, opened[name]);
  const leftover = server.stoppedLeftover !== undefined ? `; stopped a server left running by an earlier Portico (process ${server.stoppedLeftover})` : '';
  return { pools: result as Record<K, Database>, description: `${server.description}${leftover}` };
}
