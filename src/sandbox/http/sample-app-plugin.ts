import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ENDPOINTS } from '../../endpoints.ts';
import type { SampleAppFile, SampleAppFiles } from './sample-app-files.ts';

export interface SampleAppPluginOptions {
  files: SampleAppFiles;
  /** BASE_URL's origin: the app calls the FHIR API, token and revocation endpoints there. */
  origin: string;
}

/**
 * The sample app's headers. Its own scripts only, no inline ones; it talks to this server only (the FHIR API,
 * discovery, token and revocation endpoints, at the page's origin or BASE_URL's); an EHR page of this same origin
 * may frame it (CSP3 frame-ancestors; no X-Frame-Options, which cannot say "same origin, not others" as precisely).
 */
export function sampleAppHeaders(origin: string): Record<string, string> {
  const csp = [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self'",
    `connect-src 'self' ${origin}`,
    "img-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'self'",
  ].join('; ');
  return { 'content-security-policy': csp, 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer' };
}

/** The built-in sample app at /sample-app/ (sandbox mode only): static files read once at start. */
export async function sampleAppPlugin(app: FastifyInstance, { files, origin }: SampleAppPluginOptions): Promise<void> {
  const headers = sampleAppHeaders(origin);
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(headers);
    return payload;
  });
  app.setErrorHandler(renderSampleAppError);

  const root = ENDPOINTS.sampleApp.path;
  // Its pages name their files relative to the folder: the page is served at the folder's URL. The router ignores
  // a trailing slash, so this one route sees both /sample-app and /sample-app/.
  app.get(root, async (request, reply) => {
    const url = new URL(request.url, 'http://path.invalid');
    if (url.pathname !== `${root}/`) return reply.redirect(`${root}/${url.search}`, 301);
    return serve(reply, files.get(''));
  });
  app.get(`${root}/*`, async (request, reply) => serve(reply, files.get((request.params as { '*': string })['*'])));
}

function serve(reply: FastifyReply, file: SampleAppFile | undefined) {
  if (!file) return reply.code(404).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send('Not found');
  return reply.type(file.type).header('cache-control', file.cacheControl).send(file.body);
}

/** Static files only: a framework error (a bad URL, a method) in plain text, never a stack trace. */
function renderSampleAppError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
  if (status === 500) request.log.error({ err: error }, 'sample app request failed');
  return reply.code(status).header('cache-control', 'no-store').type('text/plain; charset=utf-8').send(status === 500 ? 'Something went wrong' : 'Request refused');
}
