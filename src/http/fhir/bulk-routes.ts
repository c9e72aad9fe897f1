import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FhirPrincipal } from '../../auth/bearer/fhir-authenticator.ts';
import type { FhirAccess } from '../../fhir/access/access-port.ts';
import { FILE_PATH, STATUS_PATH, type ExportCaller, type ExportService } from '../../fhir/bulk/export-service.ts';
import type { ExportLevel } from '../../fhir/bulk/export-job.ts';
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

/**
 * Bulk Data Access 2.0.0 routes inside the FHIR plugin (its authentication and error renderer
 * apply): kick-off at `$export` (system, Patient, Group), the status URL and the NDJSON files.
 */
export function registerBulkRoutes(app: FastifyInstance, options: BulkRouteContext): void {
  const { service } = options;
  const callerOf = (request: FastifyRequest): ExportCaller => {
    const { principal, access } = options.callerOf(request);
    if (!principal) throw new FhirError(401, issue('login', 'this FHIR server needs an access token (Authorization: Bearer)'));
    if (principal.kind === 'root') return { clientKey: ROOT_CLIENT_KEY };
    return { clientKey: ownerKey(principal.claims.client_id, principal.claims.sub), ...(access ? { access } : {}) };
  };
  const header = (request: FastifyRequest, name: string): string | undefined => {
    const v = request.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  };

  const kickOff = (level: ExportLevel) => async (request: FastifyRequest, reply: FastifyReply) => {
    const url = new URL(request.url, 'http://x');
    const groupId = level === 'group' ? (request.params as { id: string }).id : undefined;
    const accept = header(request, 'accept');
    const prefer = header(request, 'prefer');
    const { statusUrl } = await service.kickOff(
      {
        level,
        ...(groupId !== undefined ? { groupId } : {}),
        method: request.method === 'POST' ? 'POST' : 'GET',
        // What follows the plugin's mount point (/fhir) is relative to the FHIR base.
        relativeUrl: `${url.pathname.slice(app.prefix.length).replace(/^\//, '')}${url.search}`,
        query: [...url.searchParams],
        body: request.body,
        ...(accept !== undefined ? { accept } : {}),
        ...(prefer !== undefined ? { prefer } : {}),
      },
      callerOf(request),
    );
    // Bulk Data Access 2.0.0 §"Response - Success": 202 and the absolute status URL.
    return reply.code(202).header('Content-Location', statusUrl).send();
  };
  for (const [path, level] of [['/$export', 'system'], ['/Patient/$export', 'patient'], ['/Group/:id/$export', 'group']] as const) {
    app.route({ method: ['GET', 'POST'], url: path, handler: kickOff(level) });
  }

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
