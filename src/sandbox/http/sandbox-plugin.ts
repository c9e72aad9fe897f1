import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ENDPOINTS } from '../../endpoints.ts';
import { debugIntrospect, mintDebugToken, type DebugTokenDeps } from '../auth/debug-token.ts';
import { invalidRequest } from '../../auth/oauth-error.ts';
import { bodyText } from '../../http/body-text.ts';
import { refuseForbiddenText } from '../../http/forbidden-text-hook.ts';
import { parseJsonBody } from '../../http/json-body.ts';
import { noStore } from '../../http/no-store.ts';
import { renderTokenError } from '../../http/token/token-errors.ts';

export interface SandboxPluginOptions {
  deps: DebugTokenDeps;
  maxJsonDepth: number;
}

const epochOrSeconds = z.coerce.number().int().positive();
const debugTokenBody = z.object({
  client_id: z.string().min(1),
  access_lifetime: epochOrSeconds.optional(),
  approval_expires: epochOrSeconds.optional(),
  scope: z.string().optional(),
  user_name: z.string().min(1).optional(),
  // Seed 003's example sends `username` though its parameter list says `user_name`: accept both.
  username: z.string().min(1).optional(),
  patient_id: z.string().min(1).optional(),
});

/**
 * The S4S debug endpoints of seed 003 (sandbox mode only: the composition root registers them with the sandbox
 * wing alone, so in production they answer 404). They mint real tokens: never expose a sandbox publicly.
 */
export async function sandboxPlugin(app: FastifyInstance, options: SandboxPluginOptions): Promise<void> {
  const { deps } = options;
  // Seed 003 posts JSON; checked as every JSON body is (json-body.ts).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(bodyText(body as Buffer), options.maxJsonDepth));
    } catch (err) {
      done(err as Error);
    }
  });
  app.setErrorHandler(renderTokenError);
  app.addHook('onRequest', refuseForbiddenText(invalidRequest));

  app.post(ENDPOINTS.debugToken.path, async (request, reply) => {
    const parsed = debugTokenBody.safeParse(request.body ?? {});
    if (!parsed.success) throw invalidRequest(parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '));
    const { username, user_name, ...rest } = parsed.data;
    const userName = user_name ?? username;
    const body = await mintDebugToken({ ...rest, ...(userName !== undefined ? { user_name: userName } : {}) }, deps);
    return noStore(reply).type('application/json').send(JSON.stringify(body));
  });

  app.get(ENDPOINTS.debugIntrospect.path, async (request, reply) => {
    const token = (request.query as Record<string, unknown>).token;
    if (typeof token !== 'string' || token === '') throw invalidRequest('the token query parameter is required');
    return noStore(reply).type('application/json').send(JSON.stringify(await debugIntrospect(token, deps)));
  });
}
