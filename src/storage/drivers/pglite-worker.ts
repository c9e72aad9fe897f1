import { Worker, type ResourceLimits } from 'node:worker_threads';
import { DatabaseUnavailable } from '../../fhir/storage-fault.ts';
import type { Database, PoolOptions, SqlClient } from '../database.ts';
import type { PreparedStatement } from '../prepared-statement.ts';
import { fromThreadError, READY_ID, type ThreadReply, type ThreadRequest, type ThreadStart } from './pglite-thread-protocol.ts';
import { openLanes, type SingleConnection } from './single-connection-lanes.ts';

const ignore = () => {};
type Request = ThreadRequest extends infer T ? (T extends { id: number } ? Omit<T, 'id'> : never) : never;

/**
 * PGlite in a worker thread (src/storage/drivers/pglite-thread.ts): the same database, lanes and
 * semantics as in-process PGlite (src/storage/drivers/pglite.ts), but its statements run on another
 * core while this thread's event loop goes on serving requests. Rows and parameters cross by
 * structured clone; database errors keep their SQLSTATE `code` and fields. A thread that dies fails
 * every pending and later statement with DatabaseUnavailable.
 */
export async function openPgliteWorker<K extends string>(dataDir: string, pools: Record<K, PoolOptions>, thread: ThreadOptions = {}): Promise<Record<K, Database>> {
  return openLanes(await startThread(dataDir, thread), pools);
}

export interface ThreadOptions {
  /** Caps on the thread's JavaScript heap: a result too large for them ends the thread, not the process. */
  resourceLimits?: ResourceLimits;
}

/**
 * The thread's entry: a worker does not inherit the main thread's TypeScript loader (Node 20 runs
 * `--import tsx`'s hooks for the main thread only), so from the sources it registers tsx itself before
 * loading the thread's module; `npm start` runs bundles in dist/, where the thread has its own.
 */
const THREAD_ENTRY = import.meta.url.endsWith('.ts')
  ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
  .then(({ register }) => { register(); return import(${JSON.stringify(new URL('./pglite-thread.ts', import.meta.url).href)}); })`
  : `import(${JSON.stringify(new URL('./pglite-thread.mjs', import.meta.url).href)})`;

async function startThread(dataDir: string, options: ThreadOptions): Promise<SingleConnection> {
  const worker = new Worker(THREAD_ENTRY, { eval: true, workerData: { dataDir } satisfies ThreadStart, ...options });
  const pending = new Map<number, { resolve(reply: ThreadReply & { ok: true }): void; reject(err: Error): void }>();
  let nextId = READY_ID + 1;
  let dead: Error | undefined;
  let lastError: unknown;

  // The thread keeps the process alive only while a statement is waiting for it, as a socket would.
  const settle = (id: number) => {
    const waiter = pending.get(id);
    pending.delete(id);
    if (pending.size === 0) worker.unref();
    return waiter;
  };
  worker.on('message', (message: ThreadReply) => {
    const waiter = settle(message.id);
    if (message.ok) waiter?.resolve(message);
    else waiter?.reject(fromThreadError(message.error));
  });
  worker.on('error', (err) => (lastError = err));
  worker.on('exit', (code) => {
    const reason = lastError instanceof Error ? lastError.message : `exit code ${code}`;
    dead = new DatabaseUnavailable(`The PGlite worker thread stopped (${reason})`, { cause: lastError });
    for (const id of [...pending.keys()]) settle(id)?.reject(dead);
  });

  function call(request: Request): Promise<ThreadReply & { ok: true }> {
    if (dead) return Promise.reject(dead);
    const id = nextId++;
    return new Promise((resolve, reject) => {
      try {
        worker.postMessage({ ...request, id } as ThreadRequest);
      } catch (err) {
        // Parameters that cannot be cloned (a function, a class with private state) are the statement's own error.
        return reject(err instanceof Error ? err : new Error(String(err)));
      }
      if (pending.size === 0) worker.ref();
      pending.set(id, { resolve, reject });
    });
  }

  const statementsIn = (tx?: number): SqlClient => ({
    async query<R extends object>(text: string | PreparedStatement, params?: readonly unknown[]) {
      const { rows } = await call({ op: 'query', text: typeof text === 'string' ? text : text.text, params, ...(tx === undefined ? {} : { tx }) });
      return (rows ?? []) as R[];
    },
  });

  // Wait for the thread to open the database: its first reply, or its end.
  await new Promise<void>((resolve, reject) => {
    pending.set(READY_ID, { resolve: () => resolve(), reject });
  }).catch(async (err: unknown) => {
    await worker.terminate().catch(ignore);
    throw err;
  });

  return {
    query: statementsIn().query,
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>): Promise<T> {
      const { id: tx } = await call({ op: 'begin' });
      let result: T;
      try {
        result = await fn(statementsIn(tx));
      } catch (err) {
        await call({ op: 'rollback', tx }).catch(ignore);
        throw err;
      }
      await call({ op: 'commit', tx });
      return result;
    },
    async close() {
      // A thread that died has nothing left to close.
      if (dead) return;
      try {
        await call({ op: 'close' });
      } finally {
        await worker.terminate().catch(ignore);
      }
    },
  };
}
