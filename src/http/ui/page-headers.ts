import type { FastifyReply, FastifyRequest } from 'fastify';
import { frameOriginsOf, imageOriginsOf, ownScriptsAllowed } from './page-site-of.ts';

/**
 * Headers for every HTML page of the authorization server (RFC 9700 §4.16 clickjacking; RFC 6819 §4.4.1.9).
 * No script may run (`default-src 'none'`) but, on the few pages that have copy buttons, our own script file (never
 * inline script); styles only from our stylesheet. `form-action` is left out on
 * purpose: browsers apply it to the redirect that follows a form POST, and the consent form's answer is a
 * redirect to the app's own redirect_uri.
 */
export function pageSecurityHeaders(frameAncestors: readonly string[], imageOrigins: readonly string[] = [], frameOrigins: readonly string[] = [], ownScripts = false): Record<string, string> {
  const embedding = frameAncestors.length > 0;
  const sameOriginOnly = frameAncestors.length === 1 && frameAncestors[0] === "'self'";
  const csp = [
    "default-src 'none'",
    // Script files from our origin only (the copy buttons'), on the pages that have them; never inline script.
    ...(ownScripts ? ["script-src 'self'"] : []),
    "style-src 'self'",
    // A tenant's logo is an image of its own choosing, from its origin: that origin and no other.
    ["img-src 'self'", ...imageOrigins].join(' '),
    // The EHR frame embeds its app, whose sign-in and consent are our own pages: that origin and ours, no other.
    ...(frameOrigins.length > 0 ? [["frame-src 'self'", ...frameOrigins].join(' ')] : []),
    "base-uri 'none'",
    `frame-ancestors ${embedding ? frameAncestors.join(' ') : "'none'"}`,
  ].join('; ');
  return {
    'content-security-policy': csp,
    // X-Frame-Options cannot name origins; with an allow-list, CSP frame-ancestors alone decides (CSP3 §6.4.2).
    // Our own origin alone it can say, for browsers without CSP (RFC 7034 §2.1).
    ...(embedding ? (sameOriginOnly ? { 'x-frame-options': 'SAMEORIGIN' } : {}) : { 'x-frame-options': 'DENY' }),
    'referrer-policy': 'no-referrer',
    'x-content-type-options': 'nosniff',
    'cache-control': 'no-store',
    pragma: 'no-cache',
  };
}

/** An onSend hook setting the page headers on every response of the surface, errors included. */
export function pageHeadersHook(frameAncestors: readonly string[]) {
  const headers = pageSecurityHeaders(frameAncestors);
  return async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const origins = imageOriginsOf(request);
    const frames = frameOriginsOf(request);
    const scripts = ownScriptsAllowed(request);
    reply.headers(origins.length > 0 || frames.length > 0 || scripts ? pageSecurityHeaders(frameAncestors, origins, frames, scripts) : headers);
    return payload;
  };
}
