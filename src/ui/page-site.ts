import { ENDPOINTS } from '../endpoints.ts';

/** A tenant's branding, shown above each of its pages. */
export interface PageBrand {
  /** The organisation's name. */
  name: string;
  /** An http(s) URL of its logo. */
  logo?: string;
  /** `#rrggbb`: the accent of its pages (their stylesheet's `--brand`). */
  color?: string;
}

/**
 * Where a page is served: at the root URLs (the default tenant) or below a tenant's `/t/{tenant}`, whose pages
 * carry its branding. Every link and form action of a page is made with `pagePath`, so each stays at its tenant.
 */
export interface PageSite {
  /** '' at the root; `/t/{tenant}` at a tenant. */
  prefix: string;
  brand?: PageBrand;
  /** The server runs in sandbox mode: a badge says so on every page. */
  sandbox?: boolean;
}

export const ROOT_SITE: PageSite = Object.freeze({ prefix: '' });

/** A page path (one of ENDPOINTS) as the browser reaches it at this site. */
export function pagePath(site: PageSite | undefined, path: string): string {
  return `${site?.prefix ?? ''}${path}`;
}

/** The stylesheet that gives a branded site its accent colour (served only where a colour is set). */
export const BRAND_STYLESHEET_PATH = `${ENDPOINTS.assets.path}/brand.css`;

/** The brand stylesheet's text: a custom property only (the colour is validated as `#rrggbb`). */
export function brandStylesheet(color: string): string {
  return `:root { --brand: ${color}; }\n`;
}
