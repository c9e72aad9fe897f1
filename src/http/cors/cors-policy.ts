import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';
import { corsPaths } from '../../endpoints.ts';

export interface CorsOptions {
  /** `*` lets any origin read responses; otherwise only these exact origins (e.g. `https://app.example.org`). */
  allowedOrigins: '*' | readonly string[];
}

/** Browser SMART apps call these cross-origin (SMART App Launch 2.2.0 §"CORS"), the style document too; nothing else gets CORS. */
const CORS_PATHS = corsPaths();

const ALLOW_METHODS = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';
const ALLOW_HEADERS = [
  'Authorization',
  'Content-Type',
  'Accept',
  'Prefer',
  'If-Match',
  'If-None-Match',
  'If-None-Exist',
  'If-Modified-Since',
  'X-Requested-With',
].join(', ');
const EXPOSE_HEADERS = ['Location', 'ETag', 'Content-Location', 'Last-Modified', 'WWW-Authenticate', 'Retry-After', 'X-Progress'].join(', ');
/** Seconds a browser may cache a preflight answer (browsers cap it at 2 hours or less). */
const PREFLIGHT_MAX_AGE = '7200';

/**
 * Whether a path is one of the cross-origin surfaces: the FHIR API, the well-known documents and the
 * token-side OAuth endpoints. The admin API, RPC and the HTML login/consent pages are deliberately absent.
 */
export function isCorsPath(path: string): boolean {
  const under = (base: string) => path === base || path.startsWith(`${base}/`);
  return CORS_PATHS.some(under);
}

/**
 * The CORS policy as one onRequest hook (registered before the surfaces, so it runs for their errors and
 * 404s too). Headers are set before the handler runs, so error renderers keep them. No credentials are
 * ever allowed: clients send bearer tokens, not cookies, so `*` is safe.
 */
export function corsHook(options: CorsOptions): onRequestHookHandler {
  const anyOrigin = options.allowedOrigins === '*';
  const origins = new Set(anyOrigin ? [] : options.allowedOrigins);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const path = request.url.split('?', 1)[0] ?? '';
    if (!isCorsPath(path)) return;
    const origin = request.headers.origin;
    if (anyOrigin) {
      reply.header('access-control-allow-origin', '*');
    } else {
      reply.header('vary', 'Origin');
      if (origin === undefined || !origins.has(origin)) return;
      reply.header('access-control-allow-origin', origin);
    }
    reply.header('access-control-expose-headers', EXPOSE_HEADERS);
    // A preflight (Fetch §3.2.2): answered here, whatever route (or none) the path has for OPTIONS.
    if (request.method === 'OPTIONS' && request.headers['access-control-request-method'] !== undefined) {
      return reply
        .code(204)
        .header('access-control-allow-methods', ALLOW_METHODS)
        .header('access-control-allow-headers', ALLOW_HEADERS)
        .header('access-control-max-age', PREFLIGHT_MAX_AGE)
        .send();
    }
  };
}
