import type { AuditKeyColumn } from './audit-search-keys.ts';
import type { RecordedAuditEvent } from './audit-trail.ts';

/**
 * The audit trail read back: one tenant's recorded events, by id and by search. The FHIR API's reads and
 * searches of AuditEvent go here (audit-event-reader.ts), never to the resource tables; `src/storage/audit`
 * implements it over the trail's table and the search columns `auditSearchKeys` fills.
 */
export interface AuditLog {
  read(id: string): Promise<RecordedAuditEvent | undefined>;
  search(query: AuditQuery): Promise<AuditPage>;
}

/** One test of an event: what `AuditQuery.filters` AND together. */
export type AuditFilter =
  /** `_id`: one of these ids. */
  | { kind: 'id'; ids: string[] }
  /** The column holds at least one of the keys (`not`: none of them). */
  | { kind: 'keys'; column: AuditKeyColumn; keys: string[]; not: boolean }
  /** `recorded` in [from, before) (either end open when absent); `not`: outside it. */
  | { kind: 'recorded'; from?: string; before?: string; not: boolean }
  /** Some group's filters all hold (an OR of ANDs; no group: nothing matches). */
  | { kind: 'any'; groups: AuditFilter[][] };

export interface AuditQuery {
  filters: AuditFilter[];
  /** Events per page; 0 asks for the total only. */
  count: number;
  /** By `recorded` (ties in the order the trail wrote them): newest first unless ascending. */
  ascending: boolean;
  /** Opaque position from a previous page (`next`). */
  cursor?: string;
  /** Count every match. */
  total: boolean;
}

export interface AuditPage {
  events: RecordedAuditEvent[];
  /** Where the next page starts, when there may be one. */
  next?: string;
  total?: number;
}
