import type { AccessConstraints, AccessDecision, FhirAccess, FhirAccessRequest } from '../access/access-port.ts';
import { FhirError, issue } from '../outcome.ts';
import type { Resource } from '../resource.ts';
import type { SearchIndexRows } from '../search/index-rows.ts';
import type { ExportAccess } from './export-job.ts';

/**
 * What the requester may export, decided at kick-off by the same access layer every search goes
 * through (`FhirAccess.decide`): each type's search decision and its constraints.
 * Types the token does not reach are left out; one asked for by name in `_type` is a 403, and so is
 * an export that would reach nothing at all. Absent access (the root client) exports everything.
 */
export function exportAccess(access: FhirAccess | undefined, types: readonly string[], named: readonly string[] = []): ExportAccess {
  if (!access) return { kind: 'full' };
  const allowed: Record<string, AccessConstraints> = {};
  const denied: string[] = [];
  for (const type of types) {
    const decision = access.decide({ interaction: 'search-type', resourceType: type });
    if (decision.allowed) allowed[type] = decision.constraints;
    else if (named.includes(type)) denied.push(`${type} (${decision.reason})`);
  }
  if (denied.length > 0) throw new FhirError(403, issue('forbidden', `The access token does not allow exporting ${denied.join('; ')}`, '_type'));
  if (Object.keys(allowed).length === 0) {
    throw new FhirError(403, issue('forbidden', 'The access token reaches none of the resource types this export covers'));
  }
  return { kind: 'scoped', types: allowed };
}

/**
 * Whether the access reaches some type only inside a patient's compartment (access confined to one
 * patient): it may export that compartment (`Patient/$export`), never the whole server's data, whose
 * other types it would reach unconstrained.
 */
export function confinedToCompartment(access: ExportAccess): boolean {
  if (access.kind === 'full') return false;
  return Object.values(access.types).some((constraints) => constraints.kind === 'any-of' && constraints.clauses.some((clause) => clause.compartment !== undefined));
}

/**
 * The job's recorded access as a FhirAccess, for the worker to run its searches through the same
 * constrained repository a request would: the recorded types may be read and searched, under their
 * recorded constraints; nothing else.
 */
export function recordedAccess(access: Extract<ExportAccess, { kind: 'scoped' }>, index: (resource: Resource) => SearchIndexRows): FhirAccess {
  return {
    decide(request: FhirAccessRequest): AccessDecision {
      const type = request.resourceType;
      const constraints = type !== undefined ? access.types[type] : undefined;
      if (!constraints || (request.interaction !== 'read' && request.interaction !== 'search-type')) {
        return { allowed: false, reason: `the export's access does not cover ${request.interaction} of ${type ?? 'all types'}` };
      }
      return { allowed: true, reason: 'as decided when the export was requested', constraints };
    },
    index,
    explain: false,
  };
}
