import { html } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { copyButton } from '../portal/form-fields.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { dataTable, notice, pager, type PageWindow } from './console-parts.ts';
import { CONSOLE_PATHS } from './console-paths.ts';

/** An IdentityProvider as the list shows it (never its secret). */
export interface IdentityProviderRow {
  id: string;
  title: string;
  issuer: string;
  /** Shown at the root's console only (undefined at a tenant's). */
  tenant?: string;
  active: boolean;
  provisioning: string;
  /** The redirect URI the upstream registers for this provider. */
  redirectUri: string;
}

export interface IdentityProvidersPageModel {
  frame: ConsoleFrame;
  rows: readonly IdentityProviderRow[];
  window: PageWindow;
  href: (page: number) => string;
  /** The root's console: a tenant column. */
  showTenant: boolean;
  notice?: string;
}

/** /admin/identity-providers: the OpenID providers people sign in with, their redirect URIs to copy, a way to add one. */
export function renderIdentityProvidersPage(model: IdentityProvidersPageModel): string {
  const site = model.frame.site;
  const base = CONSOLE_PATHS.identityProviders;
  const headings = ['Title', 'Id', 'Issuer', ...(model.showTenant ? ['Tenant'] : []), 'Active', 'Provisioning', 'Redirect URI'];
  const table =
    model.window.total === 0
      ? html`<p>None yet.</p>`
      : html`${dataTable(
          'Identity providers',
          headings,
          model.rows.map((row, i) => [
            html`<a href="${pagePath(site, `${base}/${encodeURIComponent(row.id)}`)}">${row.title}</a>`,
            html`<code>${row.id}</code>`,
            html`<code>${row.issuer}</code>`,
            ...(model.showTenant ? [row.tenant ?? ''] : []),
            row.active ? 'Yes' : html`<span class="muted">No</span>`,
            row.provisioning === 'jit' ? 'At first sign-in' : 'Linked Users only',
            html`<div class="copyable redirect-uri"><code id="redirect-uri-${i}">${row.redirectUri}</code>${copyButton(`redirect-uri-${i}`, `the redirect URI of ${row.title}`)}</div>`,
          ]),
        )}
${pager(model.window, model.href, 'Identity provider pages')}`;
  return consoleLayout(
    'Identity providers',
    html`<h1>Identity providers</h1>
${notice(model.notice)}
<p class="field-hint">OpenID providers whose accounts sign in here ("Sign in with …" on the sign-in page). Register each one's redirect URI at the provider.</p>
<p class="actions"><a class="button-link" href="${pagePath(site, `${base}/new`)}">New identity provider</a></p>
${table}`,
    { ...model.frame, copyButtons: model.window.total > 0 },
  );
}
