import type { AccessClause, AccessConstraints, CompartmentConstraint } from '../access/access-port.ts';
import type { FhirSettings } from '../interaction.ts';
import type { Resource } from '../resource.ts';
import type { SearchIndexRows } from '../search/index-rows.ts';
import { parseSearchRequest } from '../search/parse-search.ts';
import type { SearchParameterRegistry } from '../search/registry.ts';
import type { Condition } from '../search/search-request.ts';

export interface MatchDeps {
  /** The resource's search index; with `only`, just those parameters. */
  index(resource: Resource, only?: ReadonlySet<string>): SearchIndexRows;
  searchRegistry: SearchParameterRegistry;
  settings: FhirSettings;
}

/**
 * Whether one resource (a stored version, or one about to be written) meets a decision's
 * constraints: the in-memory twin of `constraintCondition`, for reads, writes, history and includes.
 * Fails closed: a clause's query using a parameter kind it cannot test here matches nothing.
 */
export function meetsConstraints(resource: Resource, constraints: AccessConstraints, deps: MatchDeps): boolean {
  if (constraints.kind === 'none') return true;
  const clauses = withConditions(resource.resourceType, constraints.clauses, deps);
  // Only the parameters the clauses test are extracted: a read's compartment check evaluates the
  // resource's compartment references, not every search parameter of its type.
  const tested = new Set<string>();
  for (const { clause, conditions } of clauses) {
    if (clause.compartment?.kind === 'patient-link') for (const param of clause.compartment.params) tested.add(param);
    for (const condition of conditions ?? []) if ('param' in condition) tested.add(condition.param);
  }
  const rows = deps.index(resource, tested);
  return clauses.some((c) => meetsClause(resource, rows, c, deps.settings.baseUrl));
}

/**
 * Whether a resource may be written (created, or stored over its current version) under a decision's
 * constraints. Stricter than reading it: R4's CompartmentDefinition puts a resource in the compartment
 * of every patient one of its compartment parameters names (an Observation is in its subject's and its
 * performers'), so a token could otherwise write into another patient's record by naming its own patient
 * in a second parameter. Under a compartment, the resource must meet the clause AND every Patient its
 * compartment parameters reference must be the token's patient.
 */
export function meetsWriteConstraints(resource: Resource, constraints: AccessConstraints, deps: MatchDeps): boolean {
  if (constraints.kind === 'none') return true;
  const rows = deps.index(resource);
  const baseUrl = deps.settings.baseUrl;
  return withConditions(resource.resourceType, constraints.clauses, deps).some(
    (c) => meetsClause(resource, rows, c, baseUrl) && (c.clause.compartment === undefined || namesNoOtherPatient(rows, c.clause.compartment, baseUrl)),
  );
}

/** A clause with its query parsed once; `conditions` undefined: the query does not parse (the clause fails closed). */
interface ParsedClause {
  clause: AccessClause;
  conditions: Condition[] | undefined;
}

function withConditions(resourceType: string, clauses: readonly AccessClause[], deps: MatchDeps): ParsedClause[] {
  return clauses.map((clause) => ({
    clause,
    conditions: clause.query && clause.query.length > 0 ? queryConditions(resourceType, clause.query, deps) : [],
  }));
}

function meetsClause(resource: Resource, rows: SearchIndexRows, { clause, conditions }: ParsedClause, baseUrl: string): boolean {
  if (clause.compartment && !inCompartment(resource, rows, clause.compartment, baseUrl)) return false;
  return conditions !== undefined && conditions.every((c) => meetsCondition(rows, c));
}

function inCompartment(resource: Resource, rows: SearchIndexRows, compartment: CompartmentConstraint, baseUrl: string): boolean {
  if (compartment.kind === 'patient-id') return resource.resourceType === 'Patient' && resource.id === compartment.patientId;
  const own = `${baseUrl}/Patient/${compartment.patientId}`;
  return rows.reference.some(
    (r) =>
      compartment.params.includes(r.param) &&
      r.targetType === 'Patient' &&
      r.targetId === compartment.patientId &&
      (r.targetUrl === null || r.targetUrl === own),
  );
}

/**
 * No compartment parameter of the resource references a Patient other than the compartment's own (on this
 * server; a Patient elsewhere is another patient too). A Patient is confined by id: its one parameter
 * that can reference a Patient (`link`, its R4 compartment parameter) is held to the same rule.
 */
function namesNoOtherPatient(rows: SearchIndexRows, compartment: CompartmentConstraint, baseUrl: string): boolean {
  const own = `${baseUrl}/Patient/${compartment.patientId}`;
  return rows.reference.every(
    (r) =>
      r.targetType !== 'Patient' ||
      (compartment.kind === 'patient-link' && !compartment.params.includes(r.param)) ||
      (r.targetId === compartment.patientId && (r.targetUrl === null || r.targetUrl === own)),
  );
}

/** A clause's query as typed search conditions; undefined when it does not parse (fail closed). */
export function queryConditions(resourceType: string, query: readonly (readonly [string, string])[], deps: Omit<MatchDeps, 'index'>): Condition[] | undefined {
  try {
    const parsed = parseSearchRequest(resourceType, query.map(([n, v]): [string, string] => [n, v]), {
      registry: deps.searchRegistry,
      settings: deps.settings,
      strict: true,
    });
    return parsed.conditions ?? [];
  } catch {
    return undefined;
  }
}

function meetsCondition(rows: SearchIndexRows, condition: Condition): boolean {
  switch (condition.kind) {
    case 'token': {
      const hit = rows.token.some(
        (r) =>
          r.param === condition.param &&
          condition.values.some(
            (v) => (v.code === undefined || v.code === r.code) && (v.system === undefined || v.system === r.system),
          ),
      );
      return condition.not ? !hit : hit;
    }
    case 'reference':
      return rows.reference.some(
        (r) =>
          r.param === condition.param &&
          condition.values.some((v) =>
            v.kind === 'url'
              ? r.targetUrl === v.url
              : r.targetId === v.id && (v.type === undefined || r.targetType === v.type),
          ),
      );
    case 'uri':
      return rows.uri.some((r) => r.param === condition.param && condition.mode === 'exact' && condition.values.includes(r.value));
    case 'string':
      return rows.string.some(
        (r) =>
          r.param === condition.param &&
          condition.values.some((v) => {
            switch (condition.mode) {
              case 'exact': return r.raw === v;
              case 'contains': return r.value.includes(v);
              case 'text': return r.value.startsWith(v) || r.value.includes(` ${v}`);
              default: return r.value.startsWith(v);
            }
          }),
      );
    default:
      return false;
  }
}
