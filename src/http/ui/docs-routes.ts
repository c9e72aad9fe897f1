import type { FastifyInstance } from 'fastify';
import { ENDPOINTS } from '../../endpoints.ts';
import { renderDocsPage, type DocsModel } from '../../ui/docs-page.ts';
import { allowOwnScripts, siteOf } from './page-site-of.ts';

/** GET /docs: the API documentation page. */
export function docsRoutes(app: FastifyInstance, docs: DocsModel): void {
  app.get(ENDPOINTS.docs.path, async (request, reply) => {
    // Every example has a copy button.
    allowOwnScripts(request);
    return reply.type('text/html; charset=utf-8').send(renderDocsPage(docs, siteOf(request)));
  });
}
