import type { FastifyReply, FastifyRequest } from 'fastify';
import { renderMessagePage } from '../../ui/message-page.ts';
import { ENDPOINTS } from '../../endpoints.ts';
import { pagePath, type PageSite } from '../../ui/page-site.ts';
import { siteOf } from './page-site-of.ts';

/** Fetch Metadata (W3C "Fetch Metadata Request Headers" §2.4): values a form of ours can arrive with. */
const OWN_FETCH_SITES = new Set(['same-origin', 'none']);

/**
 * Refuses a form POST that did not come from our own pages, before the CSRF token is even looked at.
 * `Origin` (RFC 6454 §7) decides when it names an origin. Our pages send `Referrer-Policy: no-referrer`,
 * so browsers send `Origin: null` on their own same-origin POSTs (Fetch §3.2.5, "serializing a request
 * origin"): then `Sec-Fetch-Site` decides, and without either (old clients) the CSRF token alone does.
 */
export function crossSiteGuard(origin: string) {
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const sentOrigin = request.headers.origin;
    const fetchSite = request.headers['sec-fetch-site'];
    const foreignOrigin = sentOrigin !== undefined && sentOrigin !== 'null' && sentOrigin !== origin;
    const foreignSite = typeof fetchSite === 'string' && !OWN_FETCH_SITES.has(fetchSite);
    if (foreignOrigin || foreignSite) {
      return reply.code(403).type('text/html; charset=utf-8').send(refusedFormPage(siteOf(request)));
    }
  };
}

export function refusedFormPage(site: PageSite): string {
  return renderMessagePage({
    title: 'Form refused',
    message: 'This form has expired or was not sent from this site. Go back, reload the page and try again.',
    link: { href: pagePath(site, ENDPOINTS.login.path), text: 'Sign in' },
    site,
  });
}
