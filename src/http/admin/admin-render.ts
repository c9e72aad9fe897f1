import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringify as stringifyYaml } from 'yaml';
import { AdminError, adminIssue } from '../../auth/admin/admin-error.ts';
import { basicChallenge } from '../../auth/challenge.ts';
import { fhirErrorOf, StorageFault } from '../../fhir/storage-fault.ts';
import { BodyError } from '../json-body.ts';

/** YAML when the caller asks for it (`Accept: text/yaml`), JSON otherwise. */
export function send(request: FastifyRequest, reply: FastifyReply, status: number, body: unknown) {
  reply.code(status);
  if (wantsYaml(request.headers.accept)) return reply.type('text/yaml; charset=utf-8').send(stringifyYaml(body));
  return reply.type('application/json; charset=utf-8').send(JSON.stringify(body));
}

function wantsYaml(accept: string | undefined): boolean {
  return (accept ?? '')
    .split(',')
    .map((part) => part.split(';')[0]?.trim().toLowerCase())
    .some((type) => type === 'text/yaml' || type === 'application/yaml' || type === 'application/x-yaml');
}

/** The admin surface's error renderer: every failure is an OperationOutcome (JSON or YAML), never a stack. */
export function renderAdminError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (error instanceof StorageFault) {
    if (error.kind !== 'busy') request.log.warn({ err: error }, 'database fault in admin request');
    // The FHIR API's answer to the same fault: an OperationOutcome too.
    const answer = fhirErrorOf(error);
    reply.headers({ ...answer.headers });
    return send(request, reply, answer.status, answer.outcome);
  }
  const refused = adminErrorOf(error, request);
  if (refused.challenge) reply.header('www-authenticate', refused.challenge);
  if (refused.retryAfterSeconds !== undefined) reply.header('retry-after', String(refused.retryAfterSeconds));
  return send(request, reply, refused.status, { resourceType: 'OperationOutcome', issue: refused.issues });
}

/** Any failure as an AdminError: the framework's by their code, anything unexpected as a logged 500. */
function adminErrorOf(error: unknown, request: FastifyRequest): AdminError {
  if (error instanceof AdminError) return error;
  if (error instanceof BodyError) return new AdminError(error.status, adminIssue('structure', error.message));
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new AdminError(413, adminIssue('too-costly', 'The request body is too large'));
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return new AdminError(415, adminIssue('not-supported', 'Send application/json or text/yaml'));
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return new AdminError(e.statusCode, adminIssue('invalid', e.message ?? 'Bad request'));
  }
  request.log.error({ err: error }, 'unhandled error in admin request');
  return new AdminError(500, adminIssue('exception', 'Internal error'));
}

export function unauthorized(): AdminError {
  return new AdminError(401, adminIssue('login', 'Authenticate with HTTP Basic: the admin client id and secret'), { challenge: basicChallenge() });
}

/** Credentials refused unchecked after too many failures: still 401 with the challenge, and when to try again. */
export function throttled(retryAfterSeconds: number): AdminError {
  return new AdminError(401, adminIssue('login', `Too many failed authentications with these credentials; try again in ${retryAfterSeconds} seconds`), {
    challenge: basicChallenge(),
    retryAfterSeconds,
  });
}

export function forbidden(): AdminError {
  return new AdminError(403, adminIssue('forbidden', 'No AccessPolicy allows this request'));
}
