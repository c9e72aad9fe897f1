import { auditEventRepository, auditEventWriter, type AuditEventReading } from './audit/audit-event-reader.ts';
import { FhirError } from './outcome.ts';
import { StorageFault } from './storage-fault.ts';
import { refuseAuditEventWrite } from './audit/audit-event-writes.ts';
import type { FhirRequest, FhirResponse, FhirRoute, FhirUnitDeps } from './interaction.ts';
import { createInteractions } from './interactions/index.ts';
import type { FhirOperation } from './operations/operation.ts';
import { operationLookup, type OperationLookup } from './operations/operation-table.ts';
import { resolveRoute } from './resolve-route.ts';

/** Runs one FHIR request: resolves its method and path, then runs the interaction or operation they name. */
export type FhirRouter = (request: FhirRequest, deps: FhirUnitDeps) => Promise<FhirResponse>;

/**
 * Builds the router over the interactions and the given operations. The batch interaction gets a router
 * as the dispatcher of its entries, which come back through it one by one: the same tables, less the
 * operations a Bundle entry may not invoke. Writes of AuditEvents are refused here, for requests and entries alike;
 * their reads go to the audit trail.
 */
export function createFhirRouter(operations: readonly FhirOperation[]): FhirRouter {
  const interactions = createInteractions((request, deps) => entryRouter(request, deps), operations);
  const routerOver = (operationFor: OperationLookup): FhirRouter => (request, deps) => {
    const { interaction, route } = resolveRoute(request.method, request.path, deps);
    refuseAuditEventWrite(interaction, route);
    const run = interaction === 'operation' ? operationFor(route, request.method) : interactions[interaction];
    return run(request, route, readingAuditEvents(route, deps));
  };
  const entryRouter = audited(routerOver(operationLookup(operations.filter((op) => op.inBundle))));
  return routerOver(operationLookup(operations));
}

/** Each entry's request and answer go to the request's audit collection, refused entries too. */
function audited(router: FhirRouter): FhirRouter {
  return async (request, deps) => {
    const collect = deps.auditEntries;
    if (!collect) return router(request, deps);
    const query = request.rawQuery ?? new URLSearchParams(request.query).toString();
    try {
      const response = await router(request, deps);
      collect.push({ method: request.method, path: request.path, ...(query ? { query } : {}), status: response.status, body: response.body });
      return response;
    } catch (err) {
      if (err instanceof FhirError) collect.push({ method: request.method, path: request.path, ...(query ? { query } : {}), status: err.status, body: err.outcome });
      else if (err instanceof StorageFault && (err.kind === 'busy' || err.kind === 'unavailable')) collect.push({ method: request.method, path: request.path, status: 503, databaseFault: true });
      throw err;
    }
  };
}

/**
 * A request on AuditEvent reads the tenant's audit trail (src/fhir/audit/audit-event-reader.ts), under the same
 * access decision as any type (the guard wraps what this returns). Every other request runs on its deps as they are.
 */
function readingAuditEvents(route: FhirRoute, deps: FhirUnitDeps): FhirUnitDeps {
  if (route.resourceType !== 'AuditEvent') return deps;
  const reading: AuditEventReading = {
    log: deps.auditLog,
    // Access absent is the root client: the administrator reads why a request was refused.
    redact: deps.access !== undefined,
    registry: deps.searchRegistry,
    baseUrl: deps.settings.baseUrl,
  };
  return {
    ...deps,
    repository: auditEventRepository(deps.repository, reading),
    ...(deps.writer ? { writer: auditEventWriter(deps.writer, reading) } : {}),
  };
}
