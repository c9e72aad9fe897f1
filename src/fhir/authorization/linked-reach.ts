import type { AccessConstraints } from '../access/access-port.ts';
import { FhirError, issue } from '../outcome.ts';
import type { Condition } from '../search/search-request.ts';
import { constraintCondition } from './constraint-condition.ts';
import type { MatchDeps } from './constraint-match.ts';

/** Both conditions (an any-of of one group is their conjunction). */
const both = (a: Condition, b: Condition): Condition => ({ kind: 'any-of', groups: [[a, b]] });

/**
 * A search condition as the caller may run it. A chain (`subject:Patient.name=x`) and `_has`
 * (`_has:Observation:patient:code=x`) test resources of other types than the searched one: each such type must be
 * readable under the request's access (else 403, as for the searched type), and only the linked resources the caller
 * could read count; otherwise a search would tell what is in a resource the caller may not see.
 */
export function withinReach(condition: Condition, constraintsOn: (resourceType: string) => AccessConstraints | undefined, match: Omit<MatchDeps, 'index'>): Condition {
  const reachOf = (resourceType: string, how: string) => {
    const constraints = constraintsOn(resourceType);
    if (!constraints) throw new FhirError(403, issue('forbidden', `no granted scope reaches ${resourceType}, which ${how} searches`));
    return constraintCondition(constraints, match, resourceType);
  };
  switch (condition.kind) {
    case 'chain': {
      const inner = withinReach(condition.condition, constraintsOn, match);
      const limits = condition.targetTypes.map((type) => ({ type, limit: reachOf(type, `the chained parameter '${condition.param}'`) }));
      if (limits.every(({ limit }) => limit === undefined)) return { ...condition, condition: inner };
      // Each target type under its own limits: a chain per type, any of which may match.
      return {
        kind: 'any-of',
        groups: limits.map(({ type, limit }) => [{ ...condition, targetTypes: [type], condition: limit ? both(inner, limit) : inner }]),
      };
    }
    case 'has': {
      const inner = withinReach(condition.condition, constraintsOn, match);
      const limit = reachOf(condition.sourceType, `_has:${condition.sourceType}:${condition.param}`);
      return { ...condition, condition: limit ? both(inner, limit) : inner };
    }
    case 'any-of':
      return { ...condition, groups: condition.groups.map((group) => group.map((c) => withinReach(c, constraintsOn, match))) };
    default:
      return condition;
  }
}
