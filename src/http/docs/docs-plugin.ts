import type { FastifyInstance } from 'fastify';
import { ENDPOINTS } from '../../endpoints.ts';

export interface DocsPluginOptions {
  /** The OpenAPI document, serialised (it depends only on the configuration). */
  openApi: () => string;
}

/** GET /docs/openapi.json: the OpenAPI 3.1 document of the authorization server's APIs. */
export async function docsPlugin(app: FastifyInstance, options: DocsPluginOptions): Promise<void> {
  // Built when first asked for, then kept: generating it takes tens of milliseconds no start should wait for.
  let document: string | undefined;
  app.get(ENDPOINTS.openApi.path, async (_request, reply) => reply.type('application/json').send((document ??= options.openApi())));
}
