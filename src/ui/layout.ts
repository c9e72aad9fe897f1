import { html, type SafeHtml } from './html.ts';
import { BRAND_STYLESHEET_PATH, pagePath, ROOT_SITE, type PageSite } from './page-site.ts';
import { STYLESHEET_PATH } from './stylesheet.ts';
import { COPY_BUTTON_SCRIPT_PATH } from './copy-button-script.ts';

/**
 * The frame of every page: language, viewport, the one stylesheet, no scripts but the copy buttons' file where asked. At a branded tenant, its name and
 * logo head the page and its accent colour comes from a second stylesheet of its own (no inline styles: the CSP).
 */
export function layout(title: string, body: SafeHtml, site: PageSite = ROOT_SITE, width: 'narrow' | 'wide' | 'full' = 'narrow', extras: { copyButtons?: boolean } = {}): string {
  const brand = site.brand;
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${title} · ${brand ? brand.name : 'Portico'}</title>
<link rel="stylesheet" href="${STYLESHEET_PATH}">
${brand?.color ? html`<link rel="stylesheet" href="${pagePath(site, BRAND_STYLESHEET_PATH)}">` : ''}
${extras.copyButtons ? html`<script src="${COPY_BUTTON_SCRIPT_PATH}" defer></script>` : ''}
</head>
<body>
${siteHeader(site, width)}
<main${width === 'narrow' ? '' : html` class="${width}"`}>
${body}
</main>
</body>
</html>
`.value;
}

/** The product, a tenant's name and logo when at one, and a badge in sandbox mode. */
function siteHeader(site: PageSite, width: 'narrow' | 'wide' | 'full'): SafeHtml {
  const badge = site.sandbox ? html`<span class="badge">Sandbox</span>` : '';
  const brand = site.brand;
  const wide = width === 'narrow' ? '' : ` ${width}`;
  if (!brand) return html`<header class="site${wide}"><span class="product">Portico</span>${badge}</header>`;
  return html`<header class="site brand${wide}">${brand.logo ? html`<img src="${brand.logo}" alt="" height="40">` : ''}<span class="brand-name">${brand.name}</span><span class="site-meta"><span class="product">Portico</span>${badge}</span></header>`;
}
