import { auditSearchKeys, type AuditKeyColumn, type AuditSearchKeys } from '../../fhir/audit/audit-search-keys.ts';
import type { AuditEvent } from '../../fhir/audit/audit-trail.ts';

/** The search column of each key list (migration 021). */
export const KEY_COLUMNS: Readonly<Record<AuditKeyColumn, string>> = {
  patients: 'patients',
  agents: 'agents',
  agentIdentifiers: 'agent_identifiers',
  entities: 'entities',
  entityIdentifiers: 'entity_identifiers',
  types: 'types',
  subtypes: 'subtypes',
  actions: 'actions',
  outcomes: 'outcomes',
  sources: 'sources',
};

export const KEY_LISTS = Object.keys(KEY_COLUMNS) as AuditKeyColumn[];

/**
 * A text[] as PostgreSQL's array literal (`{"a","b"}`): a batch INSERT passes each event's keys as one text element
 * of a text[] parameter, cast back per row (unnest cannot yield arrays of different lengths from one parameter).
 */
export function textArrayLiteral(values: readonly string[]): string {
  return `{${values.map((v) => `"${v.replace(/[\\"]/g, (c) => `\\${c}`)}"`).join(',')}}`;
}

/** An event's key lists as array literals, in KEY_LISTS order. */
export function keyLiterals(event: AuditEvent): string[] {
  const keys: AuditSearchKeys = auditSearchKeys(event);
  return KEY_LISTS.map((list) => textArrayLiteral(keys[list]));
}
