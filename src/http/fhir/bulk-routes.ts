import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { FhirPrincipal } from '../../auth/bearer/fhir-authenticator.ts';
import type { FhirAccess } from '../../fhir/access/access-port.ts';
import { FILE_PATH, STATUS_PATH, type ExportCaller, type ExportService } from '../../fhir/bulk/export-service.ts';
import { FhirError, issue } from '../../fhir/outcome.ts';

export interface BulkRouteOptions {
  service: ExportService;
}

export interface BulkRouteContext extends BulkRouteOptions {
  /** The authenticated caller of a request (set by the FHIR plugin's authentication hook). */
  callerOf(request: FastifyRequest): { principal: FhirPrincipal | undefined; access: FhirAccess | undefined };
}

/** The root client's key on export jobs: never a registered client's id (those cannot contain `$`). */
const ROOT_CLIENT_KEY = '$root';

/**
 * Who owns an export: the backend client (client_credentials tokens have the client as `sub`), or, for a
 * token acting for a user, that client AND that user — another user of the same app must not read an export
 * made under someone else's (e.g. patient-scoped) access. JSON keeps the pair unambiguous.
 */
function ownerKey(clientId: string, sub: string): string {
  return sub === clientId ? clientId : JSON.stringify([clientId, sub]);
}

/** Who a caller is to the export jobs: the root client has a key of its own, a token its owner key. */
export function requesterKey(principal: FhirPrincipal): string {
  return principal.kind === 'root' ? ROOT_CLIENT_KEY : ownerKey(principal.claims.client_id, principal.claims.sub);
}

/**
 * Bulk Data Access 2.0.0 routes of a job inside the FHIR plugin (its authentication and error renderer
 * apply): the status URL and the NDJSON files. The kick-off, `$export`, is a FHIR operation the router runs.
 */
export function registerBulkRoutes(app: FastifyInstance, options: BulkRouteContext): void {
  const { service } = options;
  const callerOf = (request: FastifyRequest): ExportCaller => {
    const { principal, access } = options.callerOf(request);
    if (!principal) throw new FhirError(401, issue('login', 'this FHIR server needs an access token (Authorization: Bearer)'));
    return { clientKey: requesterKey(principal), ...(access ? { access } : {}) };
  };

  app.get(`/${STATUS_PATH}/:job`, async (request, reply) => {
    const { job } = request.params as { job: string };
    const status = await service.status(job, callerOf(request));
    if (status.status === 202) {
      return reply.code(202).headers({ 'X-Progress': status.progress, 'Retry-After': String(status.retryAfterSeconds) }).send();
    }
    return reply
      .code(200)
      .header('Expires', new Date(status.expires).toUTCString())
      .type('application/json; charset=utf-8')
      .send(JSON.stringify(status.manifest));
  });
  app.delete(`/${STATUS_PATH}/:job`, async (request, reply) => {
    const { job } = request.params as { job: string };
    await service.cancel(job, callerOf(request));
    // Bulk Data Access 2.0.0 §"Delete a Bulk Data Request": 202; the status URL then answers 404.
    return reply.code(202).send();
  });

  app.get(`/${FILE_PATH}/:job/:file`, async (request, reply) => {
    const { job, file } = request.params as { job: string; file: string };
    if (!/^\d{1,9}$/.test(file)) throw new FhirError(404, issue('not-found', `Bulk export ${job} has no file ${file}`));
    const chunks = await service.file(job, Number(file), callerOf(request));
    return reply.code(200).type('application/fhir+ndjson').send(Readable.from(chunks));
  });
}
