import { html, type SafeHtml } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { utcMinute } from '../readable-time.ts';
import { fieldError, invalidAttributes } from '../portal/form-fields.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { dataTable, notice } from './console-parts.ts';
import { CONSOLE_PATHS } from './console-paths.ts';

/** An event's detail page. */
export const auditEventPath = (id: string): string => `${CONSOLE_PATHS.audit}/${encodeURIComponent(id)}`;
/** Where the "Verify chain" form posts. */
export const AUDIT_VERIFY_PATH = `${CONSOLE_PATHS.audit}/verify`;

/** One event as the log's table lists it. */
export interface AuditRowView {
  id: string;
  recorded: Date;
  /** Shown at the root's console only. */
  tenant?: string;
  /** Its family (`FHIR request`, `User Authentication`, …). */
  kind: string;
  /** Its subtypes (`read`, `Sign-in failed`, …). */
  what: string;
  outcome: string;
  failed: boolean;
  /** outcomeDesc: why it was refused or failed. */
  reason?: string;
  user?: string;
  app?: string;
}

/** The filter's fields as typed, so that a refused filter comes back as it was sent. */
export interface AuditFilterValues {
  from: string;
  to: string;
  user: string;
  app: string;
  patient: string;
  outcome: string;
  type: string;
  subtype: string;
  tenant: string;
}
export type AuditFilterField = keyof AuditFilterValues;

export interface AuditChoice {
  value: string;
  label: string;
}

export interface AuditPageModel {
  frame: ConsoleFrame;
  values: AuditFilterValues;
  errors: Partial<Record<AuditFilterField, string>>;
  outcomes: readonly AuditChoice[];
  types: readonly AuditChoice[];
  /** The root's console: a tenant filter and a tenant column. */
  everyTenant: boolean;
  rows: readonly AuditRowView[];
  /** The next page's URL (older events), when there may be one. */
  olderHref?: string;
  /** This page is not the first: the URL of the first (newest), filters kept. */
  newestHref?: string;
  /** A problem with the request as a whole (a stale page link). */
  problem?: string;
}

/** The audit log: a filter form (a GET, so every view is a link), newest events first, "Older" pages, "Verify chain". */
export function renderAuditPage(model: AuditPageModel): string {
  const { values, errors, frame } = model;
  const site = frame.site;
  const count = Object.keys(errors).length;
  const text = (field: AuditFilterField, label: string, type: 'text' | 'datetime-local', hint?: string) => html`<div><label for="${field}">${label}</label>
<input id="${field}" name="${field}" type="${type}" value="${values[field]}"${type === 'datetime-local' ? html` step="1"` : ''}${invalidAttributes(field, errors[field], hint ? `${field}-hint` : undefined)}>
${hint ? html`<p class="field-hint" id="${field}-hint">${hint}</p>` : ''}${fieldError(field, errors[field])}</div>`;
  const select = (field: AuditFilterField, label: string, choices: readonly AuditChoice[]) => html`<div><label for="${field}">${label}</label>
<select id="${field}" name="${field}"${invalidAttributes(field, errors[field])}><option value="">Any</option>${choices.map(
    (c) => html`<option value="${c.value}"${c.value === values[field] ? html` selected` : ''}>${c.label}</option>`,
  )}</select>${fieldError(field, errors[field])}</div>`;
  const headings = ['When', ...(model.everyTenant ? ['Tenant'] : []), 'Event', 'Outcome', 'User', 'App', 'Reason'];
  const rows = model.rows.map((row) => [
    html`<a class="audit-when" href="${pagePath(site, auditEventPath(row.id))}"><time datetime="${row.recorded.toISOString()}">${utcMinute(row.recorded)}</time><span class="visually-hidden">: ${row.what}</span></a>`,
    ...(model.everyTenant ? [row.tenant ?? ''] : []),
    html`${row.what}<br><span class="muted">${row.kind}</span>`,
    outcomeBadge(row),
    row.user ? html`<code>${row.user}</code>` : '',
    row.app ? html`<code>${row.app}</code>` : '',
    row.reason ?? '',
  ]);
  return consoleLayout(
    'Audit log',
    html`<h1>Audit log</h1>
${notice(model.problem, 'error')}
${count ? html`<div class="error" role="alert"><p>${count === 1 ? 'One filter needs' : `${count} filters need`} attention:</p><ul>${Object.entries(errors).map(([field, message]) => html`<li><a href="#${field}">${message}</a></li>`)}</ul></div>` : ''}
<form method="get" action="${pagePath(site, CONSOLE_PATHS.audit)}" class="audit-filter" novalidate aria-label="Filter events">
<div class="filters">
${text('from', 'From (UTC)', 'datetime-local')}
${text('to', 'Before (UTC)', 'datetime-local')}
${text('user', 'User id', 'text')}
${text('app', 'App (client id)', 'text')}
${text('patient', 'Patient id', 'text')}
${select('outcome', 'Outcome', model.outcomes)}
${select('type', 'Type', model.types)}
${text('subtype', 'Subtype code', 'text', 'read, search-type, sign-in-failed, token-issued, …')}
${model.everyTenant ? text('tenant', 'Tenant', 'text', 'Empty: every tenant') : ''}
</div>
<button type="submit" class="primary">Filter</button>
<a class="button-link" href="${pagePath(site, CONSOLE_PATHS.audit)}">Clear</a>
</form>
<h2 id="events-heading">Events, newest first</h2>
${count ? html`<p>Correct the filter to see its events.</p>` : model.rows.length === 0 ? html`<p>No events match.</p>` : dataTable('Audit events', headings, rows)}
${pages(model)}
<section aria-labelledby="verify-heading">
<h2 id="verify-heading">Verify the chains</h2>
<p id="verify-hint">Walks ${model.everyTenant ? 'every tenant’s' : 'this tenant’s'} hash chains as <code>portico audit verify</code> does and names the first broken link, if any. On a long trail this takes a while.</p>
<form method="post" action="${pagePath(site, AUDIT_VERIFY_PATH)}"><input type="hidden" name="csrf_token" value="${frame.csrfToken}"><button type="submit" aria-describedby="verify-hint">Verify chain</button></form>
</section>`,
    frame,
  );
}

function pages(model: AuditPageModel): SafeHtml | '' {
  if (!model.olderHref && !model.newestHref) return '';
  return html`<nav class="pager" aria-label="Pages of events">${model.newestHref ? html`<a href="${model.newestHref}">Newest<span class="visually-hidden"> events</span></a>` : ''}
${model.olderHref ? html`<a href="${model.olderHref}" rel="next">Older<span class="visually-hidden"> events</span></a>` : ''}</nav>`;
}

/** Success or failure as a word, not only a colour (WCAG 1.4.1). */
export function outcomeBadge(row: Pick<AuditRowView, 'outcome' | 'failed'>): SafeHtml {
  return html`<span class="outcome ${row.failed ? 'refused' : 'allowed'}">${row.outcome}</span>`;
}
