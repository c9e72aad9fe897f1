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

/** Origins each page request may load images from beyond its own (an app's logo on its consent page). */
const imageOrigins = new WeakMap<FastifyRequest, Set<string>>();

/** Lets this page load an image from this URL's origin (the page headers' CSP names it). */
export function allowImageFrom(request: FastifyRequest, url: string): void {
  const origins = imageOrigins.get(request) ?? new Set<string>();
  origins.add(new URL(url).origin);
  imageOrigins.set(request, origins);
}

/** The origins a page may load images from: the tenant's logo's and any allowed for this request. */
export function imageOriginsOf(request: FastifyRequest): string[] {
  const logo = siteOf(request).brand?.logo;
  return [...new Set([...(logo ? [new URL(logo).origin] : []), ...(imageOrigins.get(request) ?? [])])];
}

/** Origins a page may frame (the EHR frame's app); none unless allowed for this request. */
const frameOrigins = new WeakMap<FastifyRequest, Set<string>>();

/** Lets this page frame documents from this URL's origin (the page headers' CSP `frame-src` names it, with our own). */
export function allowFrameOf(request: FastifyRequest, url: string): void {
  const origins = frameOrigins.get(request) ?? new Set<string>();
  origins.add(new URL(url).origin);
  frameOrigins.set(request, origins);
}

/** The origins this page may frame beyond its own. */
export function frameOriginsOf(request: FastifyRequest): string[] {
  return [...(frameOrigins.get(request) ?? [])];
}

/** Pages that load our own script file (the copy buttons'); every other page runs no script at all. */
const scriptPages = new WeakSet<FastifyRequest>();

/** Lets this page load script files from our origin (the page headers' CSP `script-src 'self'`); inline script never runs. */
export function allowOwnScripts(request: FastifyRequest): void {
  scriptPages.add(request);
}

/** Whether this page may load our script files. */
export function ownScriptsAllowed(request: FastifyRequest): boolean {
  return scriptPages.has(request);
}
