import { notSupported } from '../outcome.ts';
import type { SearchParameterRegistry } from '../search/registry.ts';
import type { Condition, DateValue, ReferenceValue, SearchRequest, TokenValue } from '../search/search-request.ts';
import type { AuditFilter, AuditQuery } from './audit-log.ts';
import { referenceKey, tokenValueKey, type AuditKeyColumn } from './audit-search-keys.ts';

/** The AuditEvent search parameters the trail answers (FHIR R4 auditevent.html#search), by the column each reads. */
const REFERENCE_COLUMNS: Readonly<Record<string, AuditKeyColumn>> = { patient: 'patients', agent: 'agents', entity: 'entities', source: 'sources' };
const TOKEN_COLUMNS: Readonly<Record<string, AuditKeyColumn>> = {
  type: 'types',
  subtype: 'subtypes',
  action: 'actions',
  outcome: 'outcomes',
  'agent:identifier': 'agentIdentifiers',
  'entity:identifier': 'entityIdentifiers',
};

/** The parameters of AuditEvent a search may use: `_id`, `_lastUpdated` (= `recorded`, as `date`) and these. */
export const AUDIT_EVENT_SEARCH_PARAMS: ReadonlySet<string> = new Set(['_id', '_lastUpdated', 'date', ...Object.keys(REFERENCE_COLUMNS), 'type', 'subtype', 'action', 'outcome']);

export interface AuditQueryContext {
  registry: SearchParameterRegistry;
  /** The FHIR base: a reference written absolute under it is the same as the relative one. */
  baseUrl: string;
}

/**
 * A parsed AuditEvent search as the trail's query. What the trail cannot answer is a 400 `not-supported` rather than
 * a search that would quietly match more: chains, `_has`, `:missing`, `:text`, `_include`, a `_sort` other than
 * `date`/`_lastUpdated`. Inside an access constraint's alternatives (an `any-of` group), a condition the trail cannot
 * answer makes that alternative match nothing: access fails closed, never wider.
 */
export function auditQuery(request: SearchRequest, context: AuditQueryContext): AuditQuery {
  if (request.include?.length) throw notSupported('_include and _revinclude are not supported on AuditEvent');
  const filters = (request.conditions ?? []).map((condition) => {
    const filter = toFilter(condition, context);
    if (!filter) throw notSupported(`This search of AuditEvent is not supported (${describe(condition)}); the trail answers ${[...AUDIT_EVENT_SEARCH_PARAMS].join(', ')}`);
    return filter;
  });
  return {
    filters,
    count: request.count,
    ascending: ascending(request),
    ...(request.cursor !== undefined ? { cursor: request.cursor } : {}),
    total: request.total === 'accurate' || request.total === 'estimate' || request.count === 0,
  };
}

/** `_sort`: by `date` (or `_lastUpdated`, the same instant), newest first by default. */
function ascending(request: SearchRequest): boolean {
  const [key, ...more] = request.sort ?? [];
  if (!key) return false;
  const onRecorded = key.kind === 'lastUpdated' || (key.kind === 'param' && key.param === 'date');
  if (!onRecorded || more.length > 0) throw notSupported('AuditEvent sorts by date only (_sort=date or _sort=-date)');
  return !key.descending;
}

function toFilter(condition: Condition, context: AuditQueryContext): AuditFilter | undefined {
  switch (condition.kind) {
    case 'id':
      return condition.not ? undefined : { kind: 'id', ids: condition.ids };
    case 'lastUpdated':
      return recorded(condition.values);
    case 'date':
      return condition.param === 'date' ? recorded(condition.values) : undefined;
    case 'token': {
      const column = TOKEN_COLUMNS[condition.param];
      return column ? { kind: 'keys', column, keys: tokenKeysOf(condition.values), not: condition.not } : undefined;
    }
    case 'reference': {
      const column = REFERENCE_COLUMNS[condition.param];
      if (!column) return undefined;
      const targets = context.registry.get('AuditEvent', condition.param)?.targets ?? [];
      return { kind: 'keys', column, keys: condition.values.flatMap((v) => referenceKeysOf(v, targets, context.baseUrl)), not: false };
    }
    case 'any-of':
      // An alternative with a condition the trail cannot answer is left out: it matches nothing.
      return {
        kind: 'any',
        groups: condition.groups.flatMap((group) => {
          const filters = group.map((c) => toFilter(c, context));
          return filters.every((f): f is AuditFilter => f !== undefined) ? [filters] : [];
        }),
      };
    default:
      return undefined;
  }
}

/** Values of one date parameter are alternatives; each its prefix's range of `recorded` (FHIR R4 search.html#prefix). */
function recorded(values: DateValue[]): AuditFilter {
  const groups = values.map((v): AuditFilter[] => {
    const high = v.high === 'infinity' ? undefined : v.high;
    switch (v.prefix) {
      case 'eq':
      case 'ap':
        return [{ kind: 'recorded', from: v.low, ...(high ? { before: high } : {}), not: false }];
      case 'ne':
        return [{ kind: 'recorded', from: v.low, ...(high ? { before: high } : {}), not: true }];
      case 'gt':
      case 'sa':
        // After the end of time: nothing.
        return high ? [{ kind: 'recorded', from: high, not: false }] : [{ kind: 'any', groups: [] }];
      case 'lt':
      case 'eb':
        return [{ kind: 'recorded', before: v.low, not: false }];
      case 'ge':
        return [{ kind: 'recorded', from: v.low, not: false }];
      case 'le':
        return [{ kind: 'recorded', ...(high ? { before: high } : {}), not: false }];
    }
  });
  const [only] = groups;
  return groups.length === 1 && only?.length === 1 && only[0] ? only[0] : { kind: 'any', groups };
}

function tokenKeysOf(values: TokenValue[]): string[] {
  return values.flatMap((v) => {
    const key = tokenValueKey(v);
    return key === undefined ? [] : [key];
  });
}

/**
 * The keys a reference value matches: `Type/id` and its absolute form under this base; an id without a type, each
 * type the parameter may refer to; a URL elsewhere, itself.
 */
function referenceKeysOf(value: ReferenceValue, targets: readonly string[], baseUrl: string): string[] {
  if (value.kind === 'url') return [referenceKey(value.url)];
  const types = value.type !== undefined ? [value.type] : targets;
  return types.flatMap((type) => [referenceKey(`${type}/${value.id}`), referenceKey(`${baseUrl}/${type}/${value.id}`)]);
}

function describe(condition: Condition): string {
  if ('param' in condition) return `${condition.kind} on ${condition.param}`;
  return condition.kind;
}
