import type { FastifyInstance } from 'fastify';
import { ENDPOINTS } from '../../endpoints.ts';

export interface DocsPluginOptions {
  /** The OpenAPI document, serialised once at start (it depends only on the configuration). */
  openApi: string;
}

/** GET /docs/openapi.json: the OpenAPI 3.1 document of the authorization server's APIs. */
export async function docsPlugin(app: FastifyInstance, options: DocsPluginOptions): Promise<void> {
  app.get(ENDPOINTS.openApi.path, async (_request, reply) => reply.type('application/json').send(options.openApi));
}
