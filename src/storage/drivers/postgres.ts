import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { createAdmission } from '../admission.ts';
import type { Database, PoolOptions, SqlClient } from '../database.ts';
import type { PreparedStatement } from '../prepared-statement.ts';
import { rethrowAsFault, storageFaultOf } from './pg-faults.ts';

// Return int8/numeric/timestamps as strings, exactly as PGlite is configured to, so that
// one set of queries yields one shape of rows on both drivers.
const TEXT_TYPES = [20, 1700, 1082, 1114, 1184];
const ignore = () => {};

/**
 * The share of the statement timeout a statement may spend waiting for one lock (`lock_timeout`). A
 * statement that waits that long is held up by other work (55P03: a conflict, worth retrying as it is),
 * not costly itself: it fails as such before the statement timeout would cut it short as too costly.
 */
const LOCK_WAIT_SHARE = 0.9;

/** One pg pool per entry of `pools`, each behind its own admission (src/storage/admission.ts). */
export async function openPostgres<K extends string>(url: string, pools: Record<K, PoolOptions>, prepareStatements: boolean): Promise<Record<K, Database>> {
  const opened: Partial<Record<K, Database>> = {};
  try {
    for (const name of Object.keys(pools) as K[]) {
      opened[name] = await openPool(url, name, pools[name], prepareStatements);
    }
  } catch (err) {
    await Promise.all(Object.values<Database | undefined>(opened).map((db) => db?.close().catch(ignore)));
    throw err;
  }
  return opened as Record<K, Database>;
}

async function openPool(url: string, name: string, options: PoolOptions, prepareStatements: boolean): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize,
    ...(options.connectTimeoutMs ? { connectionTimeoutMillis: options.connectTimeoutMs } : {}),
    // Sent with every new connection; the server cancels a statement running longer (SQLSTATE 57014),
    // and one waiting for a lock a little less long (55P03).
    ...(options.statementTimeoutMs
      ? { statement_timeout: options.statementTimeoutMs, lock_timeout: Math.max(1, Math.floor(options.statementTimeoutMs * LOCK_WAIT_SHARE)) }
      : {}),
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        TEXT_TYPES.includes(oid) ? (v: string) => v : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client erroring (server restart) must not crash the process; the next query reconnects.
  pool.on('error', ignore);
  // As many admitted at once as the pool has connections: pg's own queue is never used, ours decides.
  const admission = createAdmission(options.poolSize, options.maxQueue, name);
  const client = (c: pg.Pool | pg.PoolClient): SqlClient => ({
    async query<R extends object>(text: string | PreparedStatement, params?: readonly unknown[]) {
      const values = params as unknown[] | undefined;
      try {
        const res =
          typeof text === 'string' || !prepareStatements
            ? await c.query(typeof text === 'string' ? text : text.text, values)
            : await c.query({ name: text.name, text: text.text, ...(values ? { values } : {}) });
        return res.rows as R[];
      } catch (err) {
        return rethrowAsFault(err);
      }
    },
  });
  let closing: Promise<void> | undefined;
  const view = (mode: 'request' | 'background'): Database => {
    const admit = mode === 'request' ? admission.request : admission.background;
    const db: Database = {
      driver: 'postgres',
      query: (text, params) => admit(() => client(pool).query(text, params)),
      transaction<T>(fn: (tx: SqlClient) => Promise<T>) {
        return admit(async () => {
          const conn = await pool.connect().catch(rethrowAsFault);
          // A checked-out client has no pool listener: a connection lost between two statements must
          // not go unheard (it would be thrown); the next statement fails with it instead.
          conn.on('error', ignore);
          let broken = false;
          try {
            await client(conn).query('BEGIN');
            const result = await fn(client(conn));
            await client(conn).query('COMMIT');
            return result;
          } catch (err) {
            broken = storageFaultOf(err)?.kind === 'unavailable';
            if (!broken) await conn.query('ROLLBACK').catch(ignore);
            throw err;
          } finally {
            conn.off('error', ignore);
            // A lost connection is discarded, never handed to the next request.
            conn.release(broken);
          }
        });
      },
      async *copyOut(statement: string) {
        const done = await admission.acquire(mode);
        try {
          const conn = await pool.connect().catch(rethrowAsFault);
          // A checked-out client has no pool listener: a socket error mid-COPY must not go unheard (it
          // would be thrown); the COPY stream fails with it below.
          conn.on('error', ignore);
          let finished = false;
          try {
            const copy = conn.query(copyTo(statement));
            // Ending the connection below fails a COPY still running with an 'error' event: one that must
            // not go unheard (it would be thrown), while the loop below hears every error before that.
            copy.on('error', ignore);
            try {
              for await (const chunk of copy as AsyncIterable<Buffer>) yield chunk;
            } catch (err) {
              rethrowAsFault(err);
            }
            finished = true;
          } finally {
            // A COPY stopped half-way (an error, or the consumer gone) leaves the connection mid-protocol: destroy it.
            conn.off('error', ignore);
            conn.release(!finished);
          }
        } finally {
          done();
        }
      },
      async ping() {
        await db.query('SELECT 1');
      },
      overloaded: admission.overloaded,
      background: () => background,
      close() {
        closing ??= pool.end();
        return closing;
      },
    };
    return db;
  };
  const background = view('background');
  const requests = view('request');
  await requests.ping().catch(async (err: unknown) => {
    await pool.end().catch(ignore);
    throw err;
  });
  return requests;
}
