/**
 * The messages between the main thread and the worker thread that owns PGlite
 * (src/storage/drivers/pglite-thread.ts). Every request carries an id its reply repeats. A
 * transaction is named by the id of the `begin` that opened it; statements carrying `tx` run in it.
 */
export type ThreadRequest =
  | { op: 'query'; id: number; text: string; params: readonly unknown[] | undefined; tx?: number }
  | { op: 'begin'; id: number }
  | { op: 'commit'; id: number; tx: number }
  | { op: 'rollback'; id: number; tx: number }
  | { op: 'close'; id: number };

/** What the main thread needs of a database error: PostgreSQL's fields (`code` is the SQLSTATE) and the message. */
export interface ThreadError {
  message: string;
  fields: Record<string, string | number | boolean>;
}

export type ThreadReply = { id: number; ok: true; rows?: unknown[] } | { id: number; ok: false; error: ThreadError };

/** The reply id of the start: the database is open (or failed to open). */
export const READY_ID = 0;

export interface ThreadStart {
  dataDir: string;
}

/** An error as it crosses threads: the message and the error's own plain fields (code, constraint, detail…). */
export function toThreadError(err: unknown): ThreadError {
  if (!(err instanceof Error)) return { message: String(err), fields: {} };
  const fields: Record<string, string | number | boolean> = {};
  for (const [key, value] of Object.entries(err)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') fields[key] = value;
  }
  return { message: err.message, fields };
}

/** The error again on this side, with the same message and fields. */
export function fromThreadError(error: ThreadError): Error {
  return Object.assign(new Error(error.message), error.fields);
}
