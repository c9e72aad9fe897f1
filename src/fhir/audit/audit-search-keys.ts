import { indexedTokenPart } from '../search/index-budget.ts';
import type { AuditEvent, Coding, Reference } from './audit-trail.ts';

/**
 * What the trail's search columns hold for one event: the keys a search parameter's values are compared with
 * (FHIR R4 auditevent.html#search). Computed once, when the event is stored (src/storage/audit), by this function
 * alone: what a parameter means is decided here, and the query side (audit-query.ts) turns a search value into the
 * same keys. The hash chain does not cover them; `portico audit verify` recomputes them.
 *
 * - References (`patients`, `agents`, `entities`, `sources`): the reference as written, `Patient/123` (a
 *   version, `/_history/n`, dropped).
 * - Identifiers (`agentIdentifiers`, `entityIdentifiers`, for `agent:identifier` and `entity:identifier`) and
 *   tokens (`types`, `subtypes`, `actions`, `outcomes`): see `tokenKeys`.
 */
export interface AuditSearchKeys {
  /** `patient`: agent.who and entity.what references to a Patient (the R4 expression: both). */
  patients: string[];
  /** `agent`: agent.who references. */
  agents: string[];
  agentIdentifiers: string[];
  /** `entity`: entity.what references. */
  entities: string[];
  entityIdentifiers: string[];
  types: string[];
  subtypes: string[];
  /** `action` and `outcome` are codes (no system), as the rest of the server indexes a `code` element. */
  actions: string[];
  outcomes: string[];
  /** `source`: source.observer's reference. */
  sources: string[];
}

/** The search columns, by the name storage gives them. */
export type AuditKeyColumn = keyof AuditSearchKeys;

/**
 * A token's keys: its code alone, `system|code` (`|code` without a system) and `system|` when it has one, so that
 * each form of a token search value (FHIR R4 search.html#token: `code`, `system|code`, `|code`, `system|`) is one
 * key to look up. Cut as the search index cuts them (index-budget.ts), which keeps every key within an index entry.
 */
export function tokenKeys(system: string | undefined, code: string | undefined): string[] {
  if (code === undefined || code === '') return system ? [`${indexedTokenPart(system)}|`] : [];
  const c = indexedTokenPart(code);
  if (!system) return [c, `|${c}`];
  const s = indexedTokenPart(system);
  return [c, `${s}|${c}`, `${s}|`];
}

/** The key of a token search value: `code`, `system|code`, `|code` or `system|` (a TokenValue of the parser). */
export function tokenValueKey(value: { system?: string | null; code?: string }): string | undefined {
  if (value.code === undefined) return value.system ? `${value.system}|` : undefined;
  if (value.system === undefined) return value.code;
  return `${value.system ?? ''}|${value.code}`;
}

const HISTORY = /\/_history\/[^/]+$/;

/** A reference's key: the reference without its version, cut to fit an index entry. */
export function referenceKey(reference: string): string {
  return indexedTokenPart(reference.replace(HISTORY, ''));
}

const PATIENT = /^(?:.*\/)?Patient\/[^/]+$/;

export function auditSearchKeys(event: AuditEvent): AuditSearchKeys {
  const references = (refs: (Reference | undefined)[]) => unique(refs.flatMap((r) => (r?.reference ? [referenceKey(r.reference)] : [])));
  const identifiers = (refs: (Reference | undefined)[]) =>
    unique(refs.flatMap((r) => (r?.identifier?.value ? tokenKeys(r.identifier.system, r.identifier.value) : [])));
  const codings = (list: (Coding | undefined)[]) => unique(list.flatMap((c) => (c ? tokenKeys(c.system, c.code) : [])));
  const who = (event.agent ?? []).map((a) => a.who);
  const what = (event.entity ?? []).map((e) => e.what);
  const agents = references(who);
  const entities = references(what);
  return {
    patients: unique([...agents, ...entities].filter((r) => PATIENT.test(r))),
    agents,
    agentIdentifiers: identifiers(who),
    entities,
    entityIdentifiers: identifiers(what),
    types: codings([event.type]),
    subtypes: codings(event.subtype ?? []),
    actions: event.action ? tokenKeys(undefined, event.action) : [],
    outcomes: event.outcome ? tokenKeys(undefined, event.outcome) : [],
    sources: references([event.source?.observer]),
  };
}

const unique = (keys: string[]): string[] => [...new Set(keys)];
