import type { AccessConstraints, AccessDecision, FhirAccess, FhirAccessInteraction } from '../access/access-port.ts';
import type { FhirRoute, FhirUnitDeps, Interaction } from '../interaction.ts';
import { issue, outcome } from '../outcome.ts';
import { constrainRepository, constrainWriter, forbidden, type RequestReach } from './constrained-repository.ts';

/** The access interaction each REST interaction is decided as. */
const DECIDED_AS: Readonly<Record<string, FhirAccessInteraction>> = {
  read: 'read',
  vread: 'vread',
  create: 'create',
  update: 'update',
  'conditional-update': 'update',
  delete: 'delete',
  'conditional-delete': 'delete',
  // A patch changes a resource as an update does, and needs what an update needs (SMART v2 `u`, v1 `write`).
  patch: 'update',
  'conditional-patch': 'update',
  'search-type': 'search-type',
  'search-system': 'search-system',
  'history-instance': 'history-instance',
  'history-type': 'history-type',
  'history-system': 'history-system',
  batch: 'batch',
  capabilities: 'capabilities',
  operation: 'operation',
};

/** What deciding and constraining an interaction reads from its deps. */
type ReachDeps = Pick<FhirUnitDeps, 'access' | 'repository' | 'writer' | 'searchRegistry' | 'settings'>;

/**
 * The access decision of interaction `name` on `route` (full access without an access port). Exported for whoever
 * must answer exactly as the FHIR API would without running the interaction (the console's policy tester).
 */
export function decideInteraction(name: string, route: FhirRoute, deps: { access?: Pick<FhirAccess, 'decide'> | undefined }): AccessDecision {
  const access = deps.access;
  if (!access) return { allowed: true, reason: 'full access', constraints: { kind: 'none' } };
  const interaction = DECIDED_AS[name];
  if (!interaction) return { allowed: false, reason: `${name} is not an interaction access rules know` };
  const request = {
    interaction,
    ...(route.resourceType !== undefined ? { resourceType: route.resourceType } : {}),
    ...(route.id !== undefined ? { id: route.id } : {}),
  };
  const decision = access.decide(request);
  // A conditional update may create (FHIR R4 http.html#cond-update): it must be allowed to create too.
  if (decision.allowed && name === 'conditional-update') {
    const create = access.decide({ ...request, interaction: 'create' });
    if (!create.allowed) return create;
  }
  return decision;
}

/** The deps an allowed interaction runs on: its repository and writer reach what the constraints allow. */
function constrained<D extends ReachDeps>(deps: D, access: FhirAccess, resourceType: string | undefined, constraints: AccessConstraints): D {
  const reach: RequestReach = {
    access,
    resourceType,
    constraints,
    match: { index: access.index, searchRegistry: deps.searchRegistry, settings: deps.settings },
  };
  return {
    ...deps,
    repository: constrainRepository(deps.repository, reach),
    ...(deps.writer ? { writer: constrainWriter(deps.writer, reach) } : {}),
  };
}

/**
 * The deps as the caller may use them for interaction `name` on `route`, for a step that acts on the
 * caller's behalf outside the interaction table (a transaction's conditional references and
 * conditional creates, a Group export's Group): 403 when the interaction is not allowed; otherwise
 * only what its constraints reach, so that the step finds exactly what the same interaction made
 * directly would.
 */
export function unitFor<D extends ReachDeps>(name: string, route: FhirRoute, deps: D): D {
  const access = deps.access;
  if (!access) return deps;
  const decision = decideInteraction(name, route, deps);
  if (!decision.allowed) throw forbidden(decision.reason);
  return constrained(deps, access, route.resourceType, decision.constraints);
}

/**
 * Wraps an interaction so that it runs only when the caller's access allows it, and then only on
 * what the decision's constraints reach: every read, search, include, history entry and write goes
 * through a constrained repository. Batch and transaction entries come back through here one by one.
 */
export function guardInteraction(name: string, run: Interaction): Interaction {
  return async (request, route, deps) => {
    const access = deps.access;
    if (!access) return run(request, route, deps);
    const decision = decideInteraction(name, route, deps);
    if (access.explain && request.query.some(([k, v]) => k === '_explain' && v === 'true')) {
      const verdict = decision.allowed ? `allowed: ${decision.reason}` : `denied: ${decision.reason}`;
      return { status: 200, body: outcome(issue('informational', verdict, undefined, 'information')) };
    }
    if (!decision.allowed) throw forbidden(decision.reason);
    if (name === 'batch' || name === 'capabilities') return run(request, route, deps);
    return run(request, route, constrained(deps, access, route.resourceType, decision.constraints));
  };
}
