import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { Database, SqlClient } from '../database.ts';
import type { PreparedStatement } from '../prepared-statement.ts';

// Return int8/numeric/timestamps as strings, exactly as PGlite is configured to, so that
// one set of queries yields one shape of rows on both drivers.
const TEXT_TYPES = [20, 1700, 1082, 1114, 1184];
const ignore = () => {};

export async function openPostgres(url: string, poolSize: number, prepareStatements: boolean): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: poolSize,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        TEXT_TYPES.includes(oid) ? (v: string) => v : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });
  // An idle client erroring (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const client = (c: pg.Pool | pg.PoolClient): SqlClient => ({
    async query<R extends object>(text: string | PreparedStatement, params?: readonly unknown[]) {
      const values = params as unknown[] | undefined;
      const res =
        typeof text === 'string' || !prepareStatements
          ? await c.query(typeof text === 'string' ? text : text.text, values)
          : await c.query({ name: text.name, text: text.text, ...(values ? { values } : {}) });
      return res.rows as R[];
    },
  });
  const db: Database = {
    driver: 'postgres',
    ...client(pool),
    async transaction<T>(fn: (tx: SqlClient) => Promise<T>) {
      const conn = await pool.connect();
      try {
        await conn.query('BEGIN');
        const result = await fn(client(conn));
        await conn.query('COMMIT');
        return result;
      } catch (err) {
        await conn.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        conn.release();
      }
    },
    async *copyOut(statement: string) {
      const conn = await pool.connect();
      // A checked-out client has no pool listener: a socket error mid-COPY must not go unheard (it
      // would be thrown); the COPY stream fails with it below.
      conn.on('error', ignore);
      let finished = false;
      try {
        const copy = conn.query(copyTo(statement));
        // Ending the connection below fails a COPY still running with an 'error' event: one that must
        // not go unheard (it would be thrown), while the loop below hears every error before that.
        copy.on('error', ignore);
        for await (const chunk of copy as AsyncIterable<Buffer>) yield chunk;
        finished = true;
      } finally {
        // A COPY stopped half-way (an error, or the consumer gone) leaves the connection mid-protocol: destroy it.
        conn.off('error', ignore);
        conn.release(!finished);
      }
    },
    async ping() {
      await pool.query('SELECT 1');
    },
    async close() {
      await pool.end();
    },
  };
  await db.ping();
  return db;
}
