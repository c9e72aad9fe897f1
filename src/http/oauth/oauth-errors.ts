import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { OAuthError } from '../../auth/oauth-error.ts';
import { StorageFault } from '../../fhir/storage-fault.ts';
import { noStore } from '../no-store.ts';
import { sendOAuthError, temporarilyUnavailable } from '../token/token-errors.ts';

/**
 * The OAuth surface's error renderer: RFC 6749 §5.2 / RFC 7591 §3.2.2 JSON `{error, error_description}`.
 * 401s carry the challenge of their OAuthError. A database busy or out of reach is 503
 * `temporarily_unavailable`; anything unexpected is a logged 500 `server_error` with no internals.
 */
export function renderOAuthError(error: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  noStore(reply).type('application/json');
  if (error instanceof StorageFault) return temporarilyUnavailable(error, request, reply);
  if (error instanceof OAuthError) return sendOAuthError(error, reply);
  const status = (error as FastifyError).statusCode;
  if (status !== undefined && status >= 400 && status < 500) {
    return reply.code(status).send(JSON.stringify({ error: 'invalid_request', error_description: error.message }));
  }
  request.log.error({ err: error }, 'OAuth request failed');
  return reply.code(500).send(JSON.stringify({ error: 'server_error', error_description: 'The server could not complete the request' }));
}
