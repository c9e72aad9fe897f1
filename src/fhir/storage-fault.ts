import { FhirError, issue } from './outcome.ts';

/**
 * Why the database could not do what was asked: neither the request's fault nor a bug. The storage
 * drivers throw these; each HTTP surface renders them in its own shape (503 with Retry-After, or the
 * FHIR API's 400 for a statement cut short). Defined here, next to the repository port, because the
 * FHIR and auth domains and storage may all import src/fhir, and none of them src/storage.
 */
export type StorageFaultKind = 'busy' | 'unavailable' | 'too-costly' | 'conflict';

export abstract class StorageFault extends Error {
  abstract readonly kind: StorageFaultKind;
  /** Seconds after which trying again is reasonable (the Retry-After of a 503). */
  abstract readonly retryAfterSeconds: number;
  /** What a client is told (the message may name hosts and SQL; this never does). */
  abstract readonly description: string;
}

/** Every connection of the pool is in use and its wait queue is full: new work is refused at once (load shedding). */
export class DatabaseBusy extends StorageFault {
  readonly kind = 'busy';
  readonly retryAfterSeconds = 1;
  readonly description = 'The server is busy: every database connection is in use and the queue is full; try again shortly';
}

/** The database cannot be reached, or dropped the connection (shut down, restarted, network): pg reconnects on the next use. */
export class DatabaseUnavailable extends StorageFault {
  readonly kind = 'unavailable';
  readonly retryAfterSeconds = 5;
  readonly description = 'The database is unavailable; try again shortly';
}

/** The server cancelled a statement that ran longer than allowed (statement_timeout, SQLSTATE 57014). */
export class QueryTooCostly extends StorageFault {
  readonly kind = 'too-costly';
  readonly retryAfterSeconds = 5;
  readonly description = 'The request took longer than this server allows its database work to take';
}

/**
 * The database gave up on a statement because of what concurrent work holds: a deadlock (SQLSTATE 40P01),
 * a serialization failure (40001), or a lock waited for longer than allowed (55P03, lock_timeout). Its
 * transaction rolls back whole; the same request, tried again as it is, is likely to go through.
 */
export class DatabaseConflict extends StorageFault {
  readonly kind = 'conflict';
  readonly retryAfterSeconds = 1;
  readonly description = 'Other requests were changing the same data at the same time; try again shortly';
}

/**
 * How the FHIR API (and the admin API, also OperationOutcomes) answers a storage fault. Busy,
 * unavailable or in conflict: 503 `transient` with Retry-After (RFC 9110 §15.6.4), worth retrying as it is. A
 * statement cut short: 400 `too-costly`, the status this API already gives a request it will not run
 * for its cost (too many query parameters): the same request would be cut short again, so it must
 * change, and a 5xx would invite the very retry that cannot help.
 */
export function fhirErrorOf(fault: StorageFault): FhirError {
  if (fault.kind === 'too-costly') {
    return new FhirError(400, issue('too-costly', `${fault.description}; narrow it (fewer matches, a smaller _count, no _total=accurate)`));
  }
  return new FhirError(503, issue('transient', fault.description), { 'Retry-After': String(fault.retryAfterSeconds) });
}
