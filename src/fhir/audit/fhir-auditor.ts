import type { PatientCompartment } from '../access/patient-compartment.ts';
import type { FhirDefinitions } from '../definitions.ts';
import type { FhirRequest } from '../interaction.ts';
import { FhirError } from '../outcome.ts';
import type { Resource } from '../resource.ts';
import { resolveRoute, type ResolvedRoute } from '../resolve-route.ts';
import type { Indexer } from '../search/indexer.ts';
import type { AuditActor } from './audit-actor.ts';
import type { AuditTrail } from './audit-trail.ts';
import { fhirAuditEvent, type FhirRequestFacts } from './fhir-audit-event.ts';

/** A FHIR request as answered: what the auditor needs of it. */
export interface AnsweredFhirRequest {
  method: FhirRequest['method'];
  /** Path below the FHIR base. */
  path: string;
  /** The query as sent, and a `_search` form's parameters after it. */
  query?: string;
  status: number;
  /** The answer's body: a resource, a Bundle, an OperationOutcome. */
  body?: unknown;
  /** A batch or transaction: which one the request's Bundle was (its answer may be an OperationOutcome). */
  bundleType?: 'batch' | 'transaction';
  /** Failed because the database was saturated or gone: nothing was read or written, and it is not recorded. */
  databaseFault?: boolean;
}

/** Collects the answered entries of a batch or transaction as the router runs them (FhirUnitDeps.auditEntries). */
export type AuditedEntries = AnsweredFhirRequest[];

export interface FhirAuditor {
  /**
   * Records the event of a request, and one per entry of its batch or transaction, and resolves once every one is
   * durable: the answer is sent only then.
   */
  record(request: AnsweredFhirRequest, actor: AuditActor, entries?: AuditedEntries): Promise<void>;
}

export interface FhirAuditorDeps {
  trail: AuditTrail;
  /** The tenant whose FHIR API this is (`default` at the root). */
  tenant: string;
  /** The FHIR base URL: the event's source site. */
  site: string;
  definitions: FhirDefinitions;
  compartment: PatientCompartment;
  indexer: Indexer;
}

/** Patients named per event at most: a page of results is bounded by the page size, this bounds the rest. */
const MAX_PATIENTS = 1000;

export function createFhirAuditor(deps: FhirAuditorDeps): FhirAuditor {
  const onlyParams = new Map<string, ReadonlySet<string>>();
  const compartmentParamsOf = (type: string): ReadonlySet<string> => {
    let params = onlyParams.get(type);
    if (!params) onlyParams.set(type, (params = new Set(deps.compartment.params(type))));
    return params;
  };

  /** The patients whose compartment the resource is in (FHIR R4 compartmentdefinition-patient). */
  const patientsOf = (resource: Resource, into: Set<string>) => {
    if (resource.resourceType === 'Patient') {
      if (resource.id) into.add(resource.id);
      return;
    }
    const params = compartmentParamsOf(resource.resourceType);
    if (params.size === 0) return;
    for (const row of deps.indexer(resource, params).reference) {
      if (row.targetType === 'Patient' && row.targetId && into.size < MAX_PATIENTS) into.add(row.targetId);
    }
  };

  const factsOf = (answered: AnsweredFhirRequest): FhirRequestFacts => {
    let resolved: ResolvedRoute | undefined;
    try {
      resolved = resolveRoute(answered.method, answered.path, deps);
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
    }
    const body = answered.body as Resource | undefined;
    const patients = new Set<string>();
    let resource: FhirRequestFacts['resource'];
    let bundleType = answered.bundleType;
    if (body && typeof body === 'object' && typeof body.resourceType === 'string') {
      if (body.resourceType === 'Bundle') {
        const type = body.type as string | undefined;
        if (type === 'batch-response' || type === 'transaction-response') {
          bundleType = type === 'batch-response' ? 'batch' : 'transaction';
        } else {
          for (const entry of (body.entry as { resource?: Resource }[] | undefined) ?? []) {
            if (entry.resource && entry.resource.resourceType !== 'OperationOutcome') patientsOf(entry.resource, patients);
          }
        }
      } else if (body.resourceType !== 'OperationOutcome') {
        patientsOf(body, patients);
        const versionId = body.meta?.versionId;
        if (body.id && !resolved?.route.id) resource = { type: body.resourceType, id: body.id, ...(versionId ? { versionId } : {}) };
      }
    }
    const route = resolved?.route ?? {};
    if (route.resourceType === 'Patient' && route.id) patients.add(route.id);
    const reason = answered.status >= 400 ? diagnosticsOf(body) : undefined;
    return {
      method: answered.method,
      path: answered.path,
      ...(answered.query ? { query: answered.query } : {}),
      ...(resolved ? { interaction: resolved.interaction } : {}),
      route,
      ...(bundleType ? { bundleType } : {}),
      status: answered.status,
      ...(reason ? { reason } : {}),
      ...(resource ? { resource } : {}),
      patients: [...patients],
    };
  };

  return {
    async record(request, actor, entries = []) {
      const events = [request, ...entries.filter((entry) => !entry.databaseFault)].map((answered) => fhirAuditEvent(factsOf(answered), actor, deps.site));
      await Promise.all(events.map((event) => deps.trail.record(deps.tenant, event)));
    },
  };
}

/** The first issue's diagnostics of an OperationOutcome answer: why the request was refused. */
function diagnosticsOf(body: unknown): string | undefined {
  const issue = (body as { resourceType?: string; issue?: { diagnostics?: unknown }[] } | undefined)?.issue?.[0];
  return (body as { resourceType?: string } | undefined)?.resourceType === 'OperationOutcome' && typeof issue?.diagnostics === 'string' ? issue.diagnostics : undefined;
}
