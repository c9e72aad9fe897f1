import { CLIENT_ID_SYSTEM, EVENT_TYPE, USER_ID_SYSTEM } from '../../fhir/audit/audit-codes.ts';
import type { AuditFilter, AuditQuery } from '../../fhir/audit/audit-log.ts';
import { referenceKey, tokenValueKey } from '../../fhir/audit/audit-search-keys.ts';
import type { AuditEvent, Coding, RecordedAuditEvent } from '../../fhir/audit/audit-trail.ts';

/** A recorded event and the tenant it was recorded at. */
export interface ConsoleAuditEntry {
  tenant: string;
  event: RecordedAuditEvent;
}

export interface ConsoleAuditPage {
  entries: ConsoleAuditEntry[];
  /** Where the next (older) page starts, when there may be one. */
  next?: string;
}

/** What `portico audit verify` says of the chains: intact, or the first broken link. */
export type ChainVerification =
  | { ok: true; chains: number; events: number }
  | { ok: false; chains: number; events: number; broken: { chain: string; seq: number; reason: string } };

/**
 * The audit trail as the console reads it (src/storage/audit implements it): the FHIR AuditEvent search's filters
 * and keyset paging, over one tenant or (undefined) every tenant, and the chains' verification.
 */
export interface ConsoleTrail {
  search(tenant: string | undefined, query: AuditQuery): Promise<ConsoleAuditPage>;
  read(tenant: string | undefined, id: string): Promise<ConsoleAuditEntry | undefined>;
  verify(tenant: string | undefined): Promise<ChainVerification>;
}

/** A page position the trail did not write (edited, or from another filter's order): start again. */
export class InvalidAuditCursor extends Error {}

/** AuditEvent.outcome as the filter offers it (FHIR R4 audit-event-outcome); `failure`: any but success. */
export const OUTCOME_CHOICES = {
  success: { label: 'Success', codes: ['0'] },
  failure: { label: 'Any failure', codes: ['4', '8', '12'] },
  minor: { label: 'Minor failure (refused)', codes: ['4'] },
  serious: { label: 'Serious failure', codes: ['8'] },
  major: { label: 'Major failure', codes: ['12'] },
} as const satisfies Record<string, { label: string; codes: readonly NonNullable<AuditEvent['outcome']>[] }>;
export type OutcomeChoice = keyof typeof OUTCOME_CHOICES;

/** The families of events the trail records, by the AuditEvent.type each is recorded with (audit-codes.ts). */
export const EVENT_KINDS = {
  rest: { label: 'FHIR requests', type: EVENT_TYPE.rest },
  export: { label: 'Bulk Data exports', type: EVENT_TYPE.export },
  authentication: { label: 'Sign-in, sign-out, lockouts', type: EVENT_TYPE.userAuthentication },
  security: { label: 'Codes, tokens, consent', type: EVENT_TYPE.securityAlert },
  registry: { label: 'Registry and key changes', type: EVENT_TYPE.applicationActivity },
} as const satisfies Record<string, { label: string; type: Coding }>;
export type EventKind = keyof typeof EVENT_KINDS;

/** The console's audit filter; every field narrows, none widens. */
export interface ConsoleAuditFilter {
  /** Recorded at or after. */
  from?: Date;
  /** Recorded before. */
  to?: Date;
  /** A User id (the user agent's identifier). */
  user?: string;
  /** A Client id (the client agent's identifier). */
  app?: string;
  /** A Patient id. */
  patient?: string;
  outcome?: OutcomeChoice;
  kind?: EventKind;
  /** A subtype code (`read`, `sign-in-failed`, `token-issued`, …), any system. */
  subtype?: string;
  /** Only at the root's console: one tenant's events. */
  tenant?: string;
}

/** Events per page of the audit log. */
export const AUDIT_PAGE_SIZE = 25;

/** The console's audit log: its administrator's tenant's events (the root's: every tenant's). */
export interface ConsoleAudit {
  search(filter: ConsoleAuditFilter, cursor?: string, count?: number): Promise<ConsoleAuditPage>;
  read(id: string): Promise<ConsoleAuditEntry | undefined>;
  verify(): Promise<ChainVerification>;
}

export function createConsoleAudit(trail: ConsoleTrail, scope: { tenant: string | undefined }): ConsoleAudit {
  return {
    search(filter, cursor, count = AUDIT_PAGE_SIZE) {
      // A tenant's console sees its tenant only, whatever the filter says.
      const tenant = scope.tenant ?? filter.tenant;
      return trail.search(tenant, { filters: auditFilters(filter), count, ascending: false, total: false, ...(cursor !== undefined ? { cursor } : {}) });
    },
    read: (id) => trail.read(scope.tenant, id),
    verify: () => trail.verify(scope.tenant),
  };
}

/**
 * The filter as the trail's search filters: the same keys the FHIR AuditEvent search compares (audit-search-keys.ts):
 * `agent:identifier` for the user and the app, `patient`, `outcome`, `type`, `subtype`, `date`.
 */
export function auditFilters(filter: ConsoleAuditFilter): AuditFilter[] {
  const keys = (column: 'agentIdentifiers' | 'patients' | 'outcomes' | 'types' | 'subtypes', values: string[]): AuditFilter => ({ kind: 'keys', column, keys: values, not: false });
  const identifier = (system: string, code: string) => tokenValueKey({ system, code }) ?? code;
  const filters: AuditFilter[] = [];
  if (filter.from || filter.to) {
    filters.push({ kind: 'recorded', ...(filter.from ? { from: filter.from.toISOString() } : {}), ...(filter.to ? { before: filter.to.toISOString() } : {}), not: false });
  }
  if (filter.user) filters.push(keys('agentIdentifiers', [identifier(USER_ID_SYSTEM, filter.user)]));
  if (filter.app) filters.push(keys('agentIdentifiers', [identifier(CLIENT_ID_SYSTEM, filter.app)]));
  if (filter.patient) filters.push(keys('patients', [referenceKey(`Patient/${filter.patient}`)]));
  if (filter.outcome) filters.push(keys('outcomes', [...OUTCOME_CHOICES[filter.outcome].codes]));
  if (filter.kind) {
    const type = EVENT_KINDS[filter.kind].type;
    filters.push(keys('types', [identifier(type.system ?? '', type.code ?? '')]));
  }
  if (filter.subtype) filters.push(keys('subtypes', [filter.subtype]));
  return filters;
}
