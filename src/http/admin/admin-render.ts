import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringify as stringifyYaml } from 'yaml';
import { basicChallenge } from '../../auth/challenge.ts';
import { FhirError, issue, outcome } from '../../fhir/outcome.ts';
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
    return renderAdminError(fhirErrorOf(error), request, reply);
  }
  if (error instanceof FhirError) {
    reply.headers({ ...error.headers });
    return send(request, reply, error.status, error.outcome);
  }
  if (error instanceof BodyError) return send(request, reply, error.status, outcome(issue('structure', error.message)));
  const e = error as { statusCode?: number; code?: string; message?: string };
  if (e.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(request, reply, 413, outcome(issue('too-costly', 'The request body is too large')));
  if (e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return send(request, reply, 415, outcome(issue('not-supported', 'Send application/json or text/yaml')));
  }
  if (typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    return send(request, reply, e.statusCode, outcome(issue('invalid', e.message ?? 'Bad request')));
  }
  request.log.error({ err: error }, 'unhandled error in admin request');
  return send(request, reply, 500, outcome(issue('exception', 'Internal error')));
}

export function unauthorized(): FhirError {
  return new FhirError(401, issue('login', 'Authenticate with HTTP Basic: the admin client id and secret'), { 'www-authenticate': basicChallenge() });
}

/** Credentials refused unchecked after too many failures: still 401 with the challenge, and when to try again. */
export function throttled(retryAfterSeconds: number): FhirError {
  return new FhirError(401, issue('login', `Too many failed authentications with these credentials; try again in ${retryAfterSeconds} seconds`), {
    'www-authenticate': basicChallenge(),
    'retry-after': String(retryAfterSeconds),
  });
}

export function forbidden(): FhirError {
  return new FhirError(403, issue('forbidden', 'No AccessPolicy allows this request'));
}
