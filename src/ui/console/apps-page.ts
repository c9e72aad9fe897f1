import { html } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { fieldError, invalidAttributes } from '../portal/form-fields.ts';
import { consoleAppPath } from './app-paths.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { dataTable, notice, pager, type PageWindow } from './console-parts.ts';
import { CONSOLE_PATHS } from './console-paths.ts';

/** One app as the list shows it. */
export interface AppRow {
  id: string;
  name: string;
  type: string;
  /** Its review status (`approved` when it has none). */
  status: string;
  active: boolean;
  /** Its tenant's id; `default` for a global one. */
  tenant: string;
  /** The developer who owns it (User id), when a developer does. */
  owner?: string;
}

/** The filter form's fields, as typed. */
export interface AppFilterValues {
  name: string;
  type: string;
  status: string;
  tenant: string;
  developer: string;
}

export type AppFilterField = keyof AppFilterValues;

export interface AppsPageModel {
  frame: ConsoleFrame;
  rows: readonly AppRow[];
  window: PageWindow;
  /** The URL of page n of this list, its filters kept. */
  pageHref: (page: number) => string;
  filters: AppFilterValues;
  /** A filter value the search does not know, by field (the list is then empty, 400). */
  problems: Partial<Record<AppFilterField, string>>;
  types: readonly string[];
  statuses: readonly string[];
  /** The root's console filters by tenant too; a tenant's sees its own only. */
  showTenant: boolean;
  /** How many apps wait for review. */
  awaitingReview: number;
  notice?: string;
}

/** /admin/apps: the filter form, the apps in a paged table; `?status=submitted` is the review queue. */
export function renderAppsPage(model: AppsPageModel): string {
  const { frame, filters, problems } = model;
  const site = frame.site;
  const queue = filters.status === 'submitted';
  const title = queue ? 'Review queue' : 'Apps';
  const select = (field: AppFilterField, label: string, options: readonly string[]) => html`<div><label for="filter-${field}">${label}</label>
<select id="filter-${field}" name="${field}"${invalidAttributes(`filter-${field}`, problems[field])}><option value="">Any</option>${options.map(
    (option) => html`<option value="${option}"${filters[field] === option ? ' selected' : ''}>${option}</option>`,
  )}</select>${fieldError(`filter-${field}`, problems[field])}</div>`;
  // Hints go in the label: the fields of the row then line up at their inputs.
  const text = (field: AppFilterField, label: string, hint?: string) => html`<div><label for="filter-${field}">${label}${hint ? html` <span class="muted">(${hint})</span>` : ''}</label>
<input id="filter-${field}" name="${field}" type="text" value="${filters[field]}"${invalidAttributes(`filter-${field}`, problems[field])}>${fieldError(`filter-${field}`, problems[field])}</div>`;
  const listPath = pagePath(site, CONSOLE_PATHS.apps);
  return consoleLayout(
    title,
    html`<h1>${title}</h1>
<nav class="section-nav" aria-label="Apps views"><ul>
<li><a href="${listPath}"${queue ? '' : html` aria-current="page"`}>All apps</a></li>
<li><a href="${listPath}?status=submitted"${queue ? html` aria-current="page"` : ''}>Review queue <span class="badge">${model.awaitingReview}</span><span class="visually-hidden"> waiting</span></a></li>
</ul></nav>
${notice(model.notice)}
<form method="get" action="${listPath}" class="filters" role="search" aria-label="Filter apps">
${text('name', 'Name or client ID contains')}
${select('type', 'Type', model.types)}
${select('status', 'Status', model.statuses)}
${model.showTenant ? text('tenant', 'Tenant', '“default”: none') : ''}
${text('developer', 'Developer', 'email or User ID')}
<div><button type="submit">Filter</button></div>
</form>
${
  model.rows.length === 0
    ? html`<p>${queue ? 'No app is waiting for review.' : 'No app matches.'}</p>${model.window.total > 0 ? pager(model.window, model.pageHref, 'Pages of apps') : ''}`
    : html`${dataTable(
        queue ? 'Apps waiting for review' : 'Apps',
        ['Name', 'Client ID', 'Type', 'Status', ...(model.showTenant ? ['Tenant'] : []), 'Developer'],
        model.rows.map((row) => [
          html`<a href="${pagePath(site, consoleAppPath(row.id))}">${row.name}</a>`,
          html`<code class="client-id">${row.id}</code>`,
          row.type,
          html`<span class="badge">${row.status}</span>${row.active ? '' : html` <span class="badge">suspended</span>`}`,
          ...(model.showTenant ? [row.tenant] : []),
          row.owner ?? html`<span class="muted">none</span>`,
        ]),
      )}
${pager(model.window, model.pageHref, queue ? 'Pages of the review queue' : 'Pages of apps')}`
}`,
    frame,
  );
}
