import { DatabaseConflict, DatabaseUnavailable, QueryTooCostly, StorageFault } from '../../fhir/storage-fault.ts';

/** Socket errors of a connection that could not be made or was lost (Node's net and dns). */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);
/**
 * SQLSTATEs (PostgreSQL, Appendix A) of a server that cannot serve this connection: class 08
 * connection exception; 57P01 admin_shutdown, 57P02 crash_shutdown, 57P03 cannot_connect_now,
 * 57P04 database_dropped; 53300 too_many_connections; class 28 and 3D000, a login the server refuses
 * (credentials or database changed under a running process).
 */
const UNAVAILABLE_STATES = /^(08|57P0|28|3D000$|53300$)/;
/** 57014 query_canceled: statement_timeout (or an operator's pg_cancel_backend). */
const QUERY_CANCELED = '57014';
/**
 * A unit of work undone by concurrent ones, to be tried again as it is: 40001 serialization_failure,
 * 40P01 deadlock_detected, 55P03 lock_not_available (lock_timeout). Not the rest of class 40: 40003
 * statement_completion_unknown may have committed, and 40002 is a constraint.
 */
const CONFLICT_STATES = new Set(['40001', '40P01', '55P03']);
/** What pg and pg-pool throw, without a code, for a connection lost or never made. */
const PG_CONNECTION_MESSAGES = /^(Connection terminated|Client has encountered a connection error|timeout exceeded when trying to connect|Client was closed|Cannot use a pool after calling end)/;

/** The StorageFault a pg error stands for, or undefined for an error of the statement itself (a constraint, bad SQL). */
export function storageFaultOf(err: unknown): StorageFault | undefined {
  if (err instanceof StorageFault) return err;
  if (!(err instanceof Error)) return undefined;
  const code = (err as { code?: unknown }).code;
  if (code === QUERY_CANCELED) return new QueryTooCostly(`The database cancelled a statement: ${err.message}`, { cause: err });
  if (typeof code === 'string' && CONFLICT_STATES.has(code)) return new DatabaseConflict(`The database undid a statement: ${err.message}`, { cause: err });
  const unavailable = () => new DatabaseUnavailable(`The database connection failed: ${err.message}`, { cause: err });
  if (typeof code === 'string' && (SOCKET_CODES.has(code) || UNAVAILABLE_STATES.test(code))) return unavailable();
  if (PG_CONNECTION_MESSAGES.test(err.message)) return unavailable();
  // A host with several addresses (IPv6 and IPv4) fails with every attempt's error.
  if (err instanceof AggregateError && err.errors.some((e) => storageFaultOf(e) instanceof DatabaseUnavailable)) return unavailable();
  return undefined;
}

/** Rethrows a pg error as the StorageFault it stands for, or as it is. */
export function rethrowAsFault(err: unknown): never {
  throw storageFaultOf(err) ?? err;
}
