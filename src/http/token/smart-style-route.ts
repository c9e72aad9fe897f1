import type { FastifyInstance } from 'fastify';
import { SMART_STYLE, SMART_STYLE_PATH } from '../../ui/smart-style.ts';

/** Cached for a day: the document changes only with a release. */
const STYLE_CACHE_CONTROL = 'public, max-age=86400';

const STYLE_BODY = JSON.stringify(SMART_STYLE);

/** GET the SMART style document: public (no authentication), CORS-enabled (cors-policy.ts) for browser apps. */
export function smartStyleRoute(app: FastifyInstance): void {
  app.get(SMART_STYLE_PATH, async (_request, reply) => reply.header('cache-control', STYLE_CACHE_CONTROL).type('application/json').send(STYLE_BODY));
}
