import type { FastifyRequest } from 'fastify';
import { ROOT_SITE, type PageBrand, type PageSite } from '../../ui/page-site.ts';

/** The site each page request is answered for, found once as it arrives. */
const sites = new WeakMap<FastifyRequest, PageSite>();

/** The site of a page request: the root's unless the pages' onRequest hook found a tenant's. */
export function siteOf(request: FastifyRequest): PageSite {
  return sites.get(request) ?? ROOT_SITE;
}

/**
 * An onRequest hook naming the site of every page request: its URL prefix, and the tenant's branding as it is now
 * (read per request, so a rebranded tenant shows its new name and colours without a restart).
 */
export function pageSiteHook(prefix: string, brand: (() => Promise<PageBrand | undefined>) | undefined, sandbox = false) {
  const plain: PageSite = Object.freeze({ prefix, ...(sandbox ? { sandbox } : {}) });
  return async (request: FastifyRequest) => {
    const found = brand ? await brand() : undefined;
    sites.set(request, found ? { ...plain, brand: found } : plain);
  };
}
