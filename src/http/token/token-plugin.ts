import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ENDPOINTS } from '../../endpoints.ts';
import { invalidClient, invalidRequest } from '../../auth/oauth-error.ts';
import { introspect } from '../../auth/tokens/introspection.ts';
import { revoke } from '../../auth/tokens/revocation.ts';
import type { TokenDeps } from '../../auth/tokens/token-deps.ts';
import { handleTokenRequest, type TokenRequest } from '../../auth/tokens/token-endpoint.ts';
import { userinfo } from '../../auth/tokens/userinfo.ts';
import { bodyText } from '../body-text.ts';
import { describeForbidden, findInJws } from '../forbidden-characters.ts';
import { refuseForbiddenText } from '../forbidden-text-hook.ts';
import { noStore } from '../no-store.ts';
import { parseFormBody, parseJsonFields } from './token-body.ts';
import { renderTokenError } from './token-errors.ts';
import { smartStyleRoute } from './smart-style-route.ts';

export interface TokenPluginOptions {
  deps: TokenDeps;
  maxJsonDepth: number;
}

/** The token side of the authorization server: token, introspection, revocation and userinfo endpoints, and the SMART style document. */
export async function tokenPlugin(app: FastifyInstance, options: TokenPluginOptions): Promise<void> {
  const { deps } = options;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseFormBody(bodyText(body as Buffer)));
    } catch (err) {
      done(err as Error);
    }
  });
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseJsonFields(bodyText(body as Buffer), options.maxJsonDepth));
    } catch (err) {
      done(err as Error);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, _text, done) => {
    done(invalidRequest(`the body must be application/x-www-form-urlencoded, not ${req.headers['content-type'] ?? 'untyped'}`));
  });
  app.setErrorHandler(renderTokenError);
  app.addHook('onRequest', refuseForbiddenText(invalidRequest, { formEncodedBasic: true }));
  // A client assertion is a credential: forbidden text in its decoded header or claims, or JSON nested
  // deeper than a body may be, fails client authentication (401 invalid_client), as any other bad assertion
  // does (RFC 7523 §3.1).
  app.addHook('preHandler', async (request) => {
    const assertion = (request.body as Record<string, string> | undefined)?.client_assertion;
    const forbidden = assertion === undefined ? undefined : findInJws(assertion, 'client_assertion', options.maxJsonDepth);
    if (forbidden) throw invalidClient(describeForbidden(forbidden));
  });

  const json = (reply: FastifyReply, body: unknown) => noStore(reply).type('application/json').send(JSON.stringify(body));

  app.post(ENDPOINTS.token.path, async (request, reply) => json(reply, await handleTokenRequest(tokenRequest(request), deps)));
  app.post(ENDPOINTS.introspection.path, async (request, reply) => json(reply, await introspect(tokenRequest(request), deps)));
  app.post(ENDPOINTS.revocation.path, async (request, reply) => {
    await revoke(tokenRequest(request), deps);
    return noStore(reply).code(200).send();
  });
  const userinfoRoute = async (request: FastifyRequest, reply: FastifyReply) => json(reply, await userinfo(request.headers.authorization, deps));
  app.get(ENDPOINTS.userinfo.path, userinfoRoute);
  app.post(ENDPOINTS.userinfo.path, userinfoRoute);
  smartStyleRoute(app);
}

function tokenRequest(request: FastifyRequest): TokenRequest {
  const body = request.body;
  const form = (body !== null && typeof body === 'object' ? body : Object.create(null)) as Record<string, string>;
  const authorization = request.headers.authorization;
  return { ...(authorization !== undefined ? { authorization } : {}), form, address: request.ip };
}
