import { html, type SafeHtml } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { dataTable, notice, pager, type PageWindow } from './console-parts.ts';
import { CONSOLE_PATHS } from './console-paths.ts';

/** An AccessPolicy as the list shows it: what it applies to and matches, in short. */
export interface PolicyRow {
  id: string;
  /** Undefined: a global policy. */
  tenant: string | undefined;
  engine: string;
  /** `Client/a, User/b` or empty. */
  links: string;
  /** The matcho pattern in one line, shortened; empty for allow policies. */
  matches: string;
  description?: string;
}

export interface PolicyListSection {
  rows: readonly PolicyRow[];
  window: PageWindow;
  /** The URL of page n of this list (the other list's page kept). */
  href: (page: number) => string;
}

export interface PoliciesPageModel {
  frame: ConsoleFrame;
  /** The policies this console edits. */
  own: PolicyListSection;
  /** At a tenant's console: the global policies, which apply here too but are the root's to change. */
  global?: PolicyListSection;
  notice?: string;
}

/** /admin/policies: the policies, a way to add one, and the tester. */
export function renderPoliciesPage(model: PoliciesPageModel): string {
  const site = model.frame.site;
  const tenantConsole = model.global !== undefined;
  return consoleLayout(
    'Access policies',
    html`<h1>Access policies</h1>
${notice(model.notice)}
<p class="field-hint">AccessPolicies grant what user/ and system/ scopes ask for, on the FHIR API and the admin API. No policy, no access.</p>
<p class="actions"><a class="button-link" href="${pagePath(site, `${CONSOLE_PATHS.policies}/new`)}">New policy</a> <a class="button-link" href="${pagePath(site, `${CONSOLE_PATHS.policies}/test`)}">Test a request</a></p>
${section(tenantConsole ? "This tenant's policies" : 'Policies', model.own, site, 'Policy pages', true)}
${model.global ? html`<h2>Global policies</h2><p class="field-hint">They apply at this tenant too; only a global administrator changes them.</p>${section('Global policies', model.global, site, 'Global policy pages', false)}` : ''}`,
    model.frame,
  );
}

function section(caption: string, list: PolicyListSection, site: ConsoleFrame['site'], pagerLabel: string, editable: boolean): SafeHtml {
  if (list.window.total === 0) return html`<p>None yet.</p>`;
  return html`${dataTable(
    caption,
    ['Id', 'Tenant', 'Engine', 'Applies to', 'Matches'],
    list.rows.map((row) => [
      html`<a href="${pagePath(site, `${CONSOLE_PATHS.policies}/${encodeURIComponent(row.id)}`)}">${row.id}</a>${editable ? '' : html` <span class="muted">(read-only)</span>`}${row.description ? html`<br><span class="muted">${row.description}</span>` : ''}`,
      row.tenant ?? 'global',
      row.engine,
      row.links === '' ? html`<span class="muted">anyone</span>` : row.links,
      row.matches === '' ? html`<span class="muted">every request</span>` : html`<code>${row.matches}</code>`,
    ]),
  )}
${pager(list.window, list.href, pagerLabel)}`;
}
