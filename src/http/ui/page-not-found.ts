import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderMessagePage } from '../../ui/message-page.ts';
import { pageSecurityHeaders } from './page-headers.ts';
import { PAGE_PATHS } from './ui-plugin.ts';

/**
 * The application's 404 for a path no route serves: under the pages' paths (a mistyped portal or launcher link, an
 * old bookmark) an HTML page with the pages' headers, as the person following it expects; anywhere else the
 * framework's JSON, as before. The FHIR API answers its own 404s (an OperationOutcome).
 */
export function notFoundHandler(frameAncestors: readonly string[]) {
  return (request: FastifyRequest, reply: FastifyReply) => {
    const q = request.url.indexOf('?');
    const path = q < 0 ? request.url : request.url.slice(0, q);
    if (PAGE_PATHS.some((prefix) => path === prefix || path.startsWith(`${prefix}/`))) {
      return reply
        .code(404)
        .headers(pageSecurityHeaders(frameAncestors))
        .type('text/html; charset=utf-8')
        .send(renderMessagePage({ title: 'Not found', message: 'There is no page at this address. Check the link, or start again from the home page.' }));
    }
    return reply.code(404).send({ message: `Route ${request.method}:${path} not found`, error: 'Not Found', statusCode: 404 });
  };
}
