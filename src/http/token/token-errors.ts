import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../../auth/oauth-error.ts';
import { StorageFault } from '../../fhir/storage-fault.ts';
import { noStore } from '../no-store.ts';

/**
 * The token plugin's error renderer: RFC 6749 §5.2 JSON `{error, error_description}`. Framework
 * errors (bad media type, oversized body) are `invalid_request`; a database busy or out of reach is
 * `temporarily_unavailable`; anything unexpected is a logged 500 `server_error` with no internals.
 */
export function renderTokenError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  noStore(reply).type('application/json');
  if (error instanceof StorageFault) return temporarilyUnavailable(error, request, reply);
  if (error instanceof OAuthError) return sendOAuthError(error, reply);
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return reply.code(status === 413 ? 413 : 400).send(JSON.stringify({ error: 'invalid_request', error_description: error.message }));
  }
  request.log.error({ err: error }, 'token endpoint request failed');
  return reply.code(500).send(JSON.stringify({ error: 'server_error', error_description: 'The server could not complete the request' }));
}

/** An OAuthError as RFC 6749 §5.2 JSON, with its challenge and Retry-After when it has them. */
export function sendOAuthError(error: OAuthError, reply: FastifyReply): FastifyReply {
  if (error.challenge) reply.header('www-authenticate', error.challenge);
  if (error.retryAfterSeconds !== undefined) reply.header('retry-after', String(error.retryAfterSeconds));
  return reply.code(error.status).send(JSON.stringify({ error: error.error, error_description: error.description }));
}

/**
 * 503 with Retry-After and RFC 6749's `temporarily_unavailable` (§4.1.2.1 defines it for the authorization
 * endpoint, where a redirect cannot carry a 503; the other OAuth endpoints answer it with the 503 itself).
 */
export function temporarilyUnavailable(fault: StorageFault, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  if (fault.kind !== 'busy') request.log.warn({ err: fault }, 'database fault in OAuth request');
  return noStore(reply)
    .code(503)
    .header('retry-after', String(fault.retryAfterSeconds))
    .type('application/json')
    .send(JSON.stringify({ error: 'temporarily_unavailable', error_description: fault.description }));
}
