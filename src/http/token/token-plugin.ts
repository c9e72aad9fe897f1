import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { introspect } from '../../auth/tokens/introspection.ts';
import { revoke } from '../../auth/tokens/revocation.ts';
import type { TokenDeps } from '../../auth/tokens/token-deps.ts';
import { handleTokenRequest, type TokenRequest } from '../../auth/tokens/token-endpoint.ts';
import { badRequest } from '../../auth/tokens/token-error.ts';
import { userinfo } from '../../auth/tokens/userinfo.ts';
import { parseFormBody, parseJsonFields } from './token-body.ts';
import { noStore, renderTokenError } from './token-errors.ts';
import { smartStyleRoute } from './smart-style-route.ts';

export interface TokenPluginOptions {
  deps: TokenDeps;
  maxJsonDepth: number;
}

/** The token side of the authorization server: token, introspection, revocation and userinfo endpoints, and the SMART style document. */
export async function tokenPlugin(app: FastifyInstance, options: TokenPluginOptions): Promise<void> {
  const { deps } = options;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, text, done) => {
    try {
      done(null, parseFormBody(text as string));
    } catch (err) {
      done(err as Error);
    }
  });
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, text, done) => {
    try {
      done(null, parseJsonFields(text as string, options.maxJsonDepth));
    } catch (err) {
      done(err as Error);
    }
  });
  app.addContentTypeParser('*', { parseAs: 'string' }, (req, _text, done) => {
    done(badRequest(`the body must be application/x-www-form-urlencoded, not ${req.headers['content-type'] ?? 'untyped'}`));
  });
  app.setErrorHandler(renderTokenError);

  const json = (reply: FastifyReply, body: unknown) => noStore(reply).type('application/json').send(JSON.stringify(body));

  app.post('/auth/token', async (request, reply) => json(reply, await handleTokenRequest(tokenRequest(request), deps)));
  app.post('/auth/introspect', async (request, reply) => json(reply, await introspect(tokenRequest(request), deps)));
  app.post('/auth/revoke', async (request, reply) => {
    await revoke(tokenRequest(request), deps);
    return noStore(reply).code(200).send();
  });
  const userinfoRoute = async (request: FastifyRequest, reply: FastifyReply) => json(reply, await userinfo(request.headers.authorization, deps));
  app.get('/auth/userinfo', userinfoRoute);
  app.post('/auth/userinfo', userinfoRoute);
  smartStyleRoute(app);
}

function tokenRequest(request: FastifyRequest): TokenRequest {
  const body = request.body;
  const form = (body !== null && typeof body === 'object' ? body : Object.create(null)) as Record<string, string>;
  const authorization = request.headers.authorization;
  return { ...(authorization !== undefined ? { authorization } : {}), form };
}
