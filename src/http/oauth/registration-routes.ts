import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ENDPOINTS } from '../../endpoints.ts';
import { bearerToken } from '../../auth/registration/bearer-token.ts';
import { invalidMetadata } from '../../auth/registration/registration-error.ts';
import { basicChallenge } from '../../auth/challenge.ts';
import { OAuthError } from '../../auth/oauth-error.ts';
import type { ClientRegistration, RegistrationResponse } from '../../auth/registration/registration-service.ts';
import { authenticateBasic, type AdminAccessDeps } from '../../auth/admin/admin-access.ts';
import { noStore } from '../no-store.ts';

/** A body that could not be parsed; reported only once the caller is authorised (401 before 400). */
export class UnreadableBody {
  constructor(readonly description: string) {}
}

const bodyOf = (request: FastifyRequest) => (): unknown => {
  if (request.body instanceof UnreadableBody) throw invalidMetadata(request.body.description);
  return request.body;
};

function send(reply: FastifyReply, response: RegistrationResponse): FastifyReply {
  noStore(reply).code(response.status);
  if (response.body === undefined) return reply.send();
  return reply.type('application/json').send(JSON.stringify(response.body));
}

type ClientParams = { Params: { clientId: string } };

/** RFC 7591 registration at /auth/register (and /oauth/register, the S4S path), RFC 7592 management under it. */
export function registrationRoutes(app: FastifyInstance, registration: ClientRegistration, access: AdminAccessDeps): void {
  const token = (request: FastifyRequest) => bearerToken(request.headers.authorization);
  for (const base of [ENDPOINTS.registration.path, ENDPOINTS.s4sRegistration.path]) {
    app.post(base, async (request, reply) => send(reply, await registration.register(token(request), bodyOf(request), { address: request.ip })));
    app.get<ClientParams>(`${base}/:clientId`, async (request, reply) =>
      send(reply, await registration.read(request.params.clientId, token(request))),
    );
    app.put<ClientParams>(`${base}/:clientId`, async (request, reply) =>
      send(reply, await registration.update(request.params.clientId, token(request), bodyOf(request), { address: request.ip })),
    );
    app.delete<ClientParams>(`${base}/:clientId`, async (request, reply) =>
      send(reply, await registration.remove(request.params.clientId, token(request), { address: request.ip })),
    );
  }

  // Initial access tokens (RFC 7591 §3) for the initial-access-token mode: for the root client and developers.
  app.post(ENDPOINTS.initialAccessToken.path, async (request, reply) => {
    const caller = await authenticateBasic(request.headers.authorization, access);
    // RFC 6749 §5.2: a client that used (or must use) HTTP Basic is answered with the Basic challenge.
    const challenge = basicChallenge({ charset: 'UTF-8' });
    if (caller?.kind === 'throttled') {
      const description = `too many failed authentications with these credentials; try again in ${caller.retryAfterSeconds} seconds`;
      throw new OAuthError(401, 'invalid_client', description, { challenge, retryAfterSeconds: caller.retryAfterSeconds });
    }
    if (!caller || caller.kind === 'client') {
      throw new OAuthError(401, 'invalid_client', 'the root client or a developer (HTTP Basic) is required', { challenge });
    }
    const issued = await registration.issueInitialAccessToken(caller.kind === 'root' ? 'root' : `User/${caller.user.id}`);
    return noStore(reply).code(201).type('application/json').send(JSON.stringify(issued));
  });
}
