import type { FastifyInstance } from 'fastify';
import type { SigningKeys } from '../../auth/keys/signing-keys.ts';

/** The public signing keys (RFC 7517 §5), for anyone verifying Portico's tokens: no auth, any origin. */
export function jwksRoute(app: FastifyInstance, signingKeys: SigningKeys): void {
  app.get('/.well-known/jwks.json', async (_request, reply) => {
    const jwks = await signingKeys.jwks();
    return reply.header('access-control-allow-origin', '*').type('application/json').send(JSON.stringify(jwks));
  });
}
