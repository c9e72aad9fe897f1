import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';

type Render = (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => FastifyReply;

/** A surface's error renderer, and the paths it answers. */
export interface PreRouteSurface {
  /** Path prefixes, matched on whole segments: `/Client` is `/Client` and `/Client/…`, never `/Clients`. */
  prefixes: readonly string[];
  render: Render;
}

/**
 * Fastify's `frameworkErrors`: errors raised before routing (percent-encoding in the path that does not decode,
 * a path parameter longer than the router takes), answered by the surface the path names, with a fixed
 * description. The framework's own message repeats the URL, which may hold `"` or `\` (not allowed in an
 * OAuth error_description, RFC 6749 §5.2) or anything else the caller put there.
 */
export function preRouteErrors(surfaces: readonly PreRouteSurface[], otherwise: Render) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): FastifyReply => {
    const q = request.url.indexOf('?');
    const path = q < 0 ? request.url : request.url.slice(0, q);
    const surface = surfaces.find(({ prefixes }) => prefixes.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)));
    return (surface?.render ?? otherwise)(described(error), request, reply);
  };
}

function described(error: FastifyError): FastifyError {
  const [statusCode, message] =
    error.code === 'FST_ERR_BAD_URL'
      ? [400, 'The URL is malformed (bad percent-encoding)']
      : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
        ? [414, 'A segment of the URL path is longer than this server accepts']
        : [error.statusCode ?? 500, 'The request could not be routed'];
  return Object.assign(new Error(message), { name: error.name, statusCode, code: error.code });
}
