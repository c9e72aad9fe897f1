import type { Database, SqlClient } from '../../src/storage/database.ts';
import type { PreparedStatement } from '../../src/storage/prepared-statement.ts';

export interface RecordedQuery {
  text: string;
  params: readonly unknown[];
}

/**
 * Wraps Portico's pools so that every statement passes through and, while a recording is open, a
 * copy of it is kept, whichever pool ran it. The ceiling replays what Portico ran for a request ("the
 * same SQL run bare"), and the runner reports statements per request for each scenario.
 */
export interface QueryRecorder {
  /** The pool, its statements recorded (for PorticoOverrides.wrapDatabase). */
  wrap(db: Database): Database;
  record<T>(fn: () => Promise<T>): Promise<{ result: T; queries: RecordedQuery[] }>;
  /** Statements run since the process started (every pool and client, transactions included). */
  readonly statements: number;
}

export function createQueryRecorder(): QueryRecorder {
  let recording: RecordedQuery[] | undefined;
  let statements = 0;
  const note = (text: string | PreparedStatement, params: readonly unknown[] | undefined) => {
    statements++;
    recording?.push({ text: typeof text === 'string' ? text : text.text, params: params ?? [] });
  };
  const client = (inner: SqlClient): SqlClient => ({
    query(text, params) {
      note(text, params);
      return inner.query(text, params);
    },
  });
  const wrap = (db: Database): Database => ({
    driver: db.driver,
    ...client(db),
    transaction: (fn) => db.transaction((tx) => fn(client(tx))),
    ping: () => db.ping(),
    overloaded: () => db.overloaded(),
    background: () => wrap(db.background()),
    close: () => db.close(),
  });
  return {
    wrap,
    get statements() {
      return statements;
    },
    async record(fn) {
      if (recording) throw new Error('recordings do not nest');
      recording = [];
      try {
        const result = await fn();
        return { result, queries: recording };
      } finally {
        recording = undefined;
      }
    },
  };
}
