import type { AccessConstraints } from '../access/access-port.ts';
import { FhirError, issue } from '../outcome.ts';
import type { Condition } from '../search/search-request.ts';
import { queryConditions, type MatchDeps } from './constraint-match.ts';

/**
 * A decision's constraints as one search condition ANDed into the search, so that only reachable
 * resources match (and paging and totals stay right): an OR over the clauses, each clause the
 * compartment link (an OR over its parameters) AND the clause's query.
 * Undefined when there is nothing to add.
 */
export function constraintCondition(constraints: AccessConstraints, deps: Omit<MatchDeps, 'index'>, resourceType: string): Condition | undefined {
  if (constraints.kind === 'none') return undefined;
  const groups: Condition[][] = [];
  for (const clause of constraints.clauses) {
    const group: Condition[] = [];
    const c = clause.compartment;
    if (c?.kind === 'patient-id') group.push({ kind: 'id', ids: [c.patientId] });
    if (c?.kind === 'patient-link') {
      const baseUrl = deps.settings.baseUrl;
      group.push({
        kind: 'any-of',
        groups: c.params.map((param) => [{ kind: 'reference', param, values: [{ kind: 'local', type: 'Patient', id: c.patientId, baseUrl }] }]),
      });
    }
    if (clause.query && clause.query.length > 0) {
      const conditions = queryConditions(resourceType, clause.query, deps);
      // A granted query this server cannot run reaches nothing (fail closed), it never widens.
      if (conditions === undefined) continue;
      group.push(...conditions);
    }
    groups.push(group);
  }
  if (groups.length === 0) {
    throw new FhirError(403, issue('forbidden', `None of the granted scopes' filters on ${resourceType} can be applied`));
  }
  return { kind: 'any-of', groups };
}
