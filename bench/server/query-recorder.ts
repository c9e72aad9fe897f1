import type { Database, SqlClient } from '../../src/storage/database.ts';
import type { PreparedStatement } from '../../src/storage/prepared-statement.ts';

export interface RecordedQuery {
  text: string;
  params: readonly unknown[];
}

/**
 * A Database that passes every statement through and, while a recording is open, keeps a copy of it.
 * The ceiling replays what Portico ran for a request ("the same SQL run bare"), and the runner reports
 * statements per request for each scenario.
 */
export interface RecordingDatabase extends Database {
  record<T>(fn: () => Promise<T>): Promise<{ result: T; queries: RecordedQuery[] }>;
  /** Statements run since the process started (every client, transactions included). */
  readonly statements: number;
}

export function recordingDatabase(db: Database): RecordingDatabase {
  let recording: RecordedQuery[] | undefined;
  let statements = 0;
  const note = (text: string | PreparedStatement, params: readonly unknown[] | undefined) => {
    statements++;
    recording?.push({ text: typeof text === 'string' ? text : text.text, params: params ?? [] });
  };
  const wrap = (client: SqlClient): SqlClient => ({
    query(text, params) {
      note(text, params);
      return client.query(text, params);
    },
  });
  return {
    driver: db.driver,
    get statements() {
      return statements;
    },
    query(text, params) {
      note(text, params);
      return db.query(text, params);
    },
    transaction(fn) {
      return db.transaction((tx) => fn(wrap(tx)));
    },
    ping: () => db.ping(),
    close: () => db.close(),
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
