import type { FastifyInstance, FastifyRequest } from 'fastify';
import { renderLandingPage, type LandingModel } from '../../ui/landing-page.ts';
import { siteOf } from './page-site-of.ts';

/** Whether the request asks for JSON before HTML (`Accept: application/json`). */
function wantsJson(request: FastifyRequest): boolean {
  const accept = request.headers.accept ?? '';
  const json = accept.search(/application\/(?:[\w.+-]+\+)?json/);
  const htmlAt = accept.search(/text\/html/);
  return json >= 0 && (htmlAt < 0 || json < htmlAt);
}

/** GET / (the issuer's front door): HTML for people, the same facts as JSON for `Accept: application/json`. */
export function landingRoutes(app: FastifyInstance, landing: () => Promise<LandingModel>): void {
  app.get('/', async (request, reply) => {
    const model = await landing();
    if (wantsJson(request)) return reply.type('application/json').send(JSON.stringify(model));
    return reply.type('text/html; charset=utf-8').send(renderLandingPage(model, siteOf(request)));
  });
}
