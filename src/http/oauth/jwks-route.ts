import type { FastifyInstance } from 'fastify';
import { ENDPOINTS } from '../../endpoints.ts';
import type { SigningKeys } from '../../auth/keys/signing-keys.ts';

/** The public signing keys (RFC 7517 §5), for anyone verifying Portico's tokens: no auth; CORS comes from the app's policy. */
export function jwksRoute(app: FastifyInstance, signingKeys: SigningKeys): void {
  app.get(ENDPOINTS.jwks.path, async (_request, reply) => {
    const jwks = await signingKeys.jwks();
    return reply.type('application/json').send(JSON.stringify(jwks));
  });
}
