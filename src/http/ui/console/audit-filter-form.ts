import { EVENT_KINDS, OUTCOME_CHOICES, type ConsoleAuditFilter, type EventKind, type OutcomeChoice } from '../../../auth/console/console-audit.ts';
import { TENANT_ID } from '../../../auth/tenants/tenant.ts';
import type { AuditChoice, AuditFilterField, AuditFilterValues } from '../../../ui/console/audit-page.ts';

export const OUTCOME_OPTIONS: readonly AuditChoice[] = Object.entries(OUTCOME_CHOICES).map(([value, c]) => ({ value, label: c.label }));
export const TYPE_OPTIONS: readonly AuditChoice[] = Object.entries(EVENT_KINDS).map(([value, k]) => ({ value, label: k.label }));

const FIELDS: readonly AuditFilterField[] = ['from', 'to', 'user', 'app', 'patient', 'outcome', 'type', 'subtype', 'tenant'];

/** A datetime-local value (seconds optional), a date, or an ISO 8601 instant in UTC. */
const INSTANT = /^(\d{4}-\d{2}-\d{2})(?:T(\d{2}:\d{2})(:\d{2}(?:\.\d{1,3})?)?)?Z?$/;
/** FHIR R4 id (datatypes.html#id). */
const FHIR_ID = /^[A-Za-z0-9\-.]{1,64}$/;
/** Ids and codes as typed: no spaces or control characters, and short enough for an index key. */
const TOKEN = /^[\x21-\x7e]{1,256}$/;

export interface ParsedAuditFilter {
  values: AuditFilterValues;
  filter: ConsoleAuditFilter;
  errors: Partial<Record<AuditFilterField, string>>;
}

/** The filter form's query: each field checked, the problem at its field; the empty fields leave nothing out. */
export function parseAuditFilter(query: Readonly<Record<string, unknown>>, everyTenant: boolean): ParsedAuditFilter {
  const values = Object.fromEntries(FIELDS.map((f) => [f, typeof query[f] === 'string' ? (query[f] as string).trim() : ''])) as unknown as AuditFilterValues;
  if (!everyTenant) values.tenant = '';
  const errors: Partial<Record<AuditFilterField, string>> = {};
  const filter: ConsoleAuditFilter = {};
  const instant = (field: 'from' | 'to', label: string): Date | undefined => {
    const text = values[field];
    if (text === '') return undefined;
    const m = INSTANT.exec(text);
    const iso = m ? `${m[1]}T${m[2] ?? '00:00'}${m[3] ?? ':00'}Z` : '';
    const date = new Date(iso);
    // Round-trips only when every part is in range (no 2026-13-45 rolled over into another date).
    if (!m || Number.isNaN(date.getTime()) || date.toISOString().slice(0, 16) !== iso.slice(0, 16)) {
      errors[field] = `${label}: a date and time, such as 2026-01-31T14:30`;
      return undefined;
    }
    return date;
  };
  const from = instant('from', 'From');
  const to = instant('to', 'Before');
  if (from) filter.from = from;
  if (to) filter.to = to;
  if (from && to && to.getTime() <= from.getTime()) errors.to = 'Before: must be later than From';
  const id = (field: 'user' | 'app' | 'subtype', label: string) => {
    if (values[field] === '') return;
    if (TOKEN.test(values[field])) filter[field] = values[field];
    else errors[field] = `${label}: no spaces, at most 256 characters`;
  };
  id('user', 'User id');
  id('app', 'App');
  id('subtype', 'Subtype code');
  if (values.patient !== '') {
    if (FHIR_ID.test(values.patient)) filter.patient = values.patient;
    else errors.patient = 'Patient id: 1 to 64 letters, digits, "-" or "."';
  }
  if (values.outcome !== '') {
    if (Object.hasOwn(OUTCOME_CHOICES, values.outcome)) filter.outcome = values.outcome as OutcomeChoice;
    else errors.outcome = 'Outcome: choose one of the list';
  }
  if (values.type !== '') {
    if (Object.hasOwn(EVENT_KINDS, values.type)) filter.kind = values.type as EventKind;
    else errors.type = 'Type: choose one of the list';
  }
  if (values.tenant !== '') {
    if (TENANT_ID.test(values.tenant)) filter.tenant = values.tenant;
    else errors.tenant = 'Tenant: a tenant id (lower-case letters, digits and "-")';
  }
  return { values, filter, errors };
}

/** The filter as a query string (its non-empty fields), for the pages' links. */
export function filterQuery(values: AuditFilterValues, extra: Record<string, string> = {}): string {
  const params = new URLSearchParams();
  for (const field of FIELDS) if (values[field] !== '') params.set(field, values[field]);
  for (const [name, value] of Object.entries(extra)) params.set(name, value);
  const text = params.toString();
  return text ? `?${text}` : '';
}
