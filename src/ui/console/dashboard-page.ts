import { html, type SafeHtml } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { utcMinute } from '../readable-time.ts';
import { auditEventPath, outcomeBadge, type AuditRowView } from './audit-page.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { dataTable } from './console-parts.ts';
import { CONSOLE_PATHS } from './console-paths.ts';

/** A signing key as the dashboard lists it. */
export interface DashboardKey {
  kid: string;
  alg: string;
  status: string;
  createdAt: Date;
}

/** The counts the dashboard shows (tenants only at the root's console). */
export interface DashboardView {
  tenants?: number;
  apps: number;
  /** Apps by review status, in the review's order (draft, submitted, approved, rejected). */
  appsByStatus: readonly { status: string; count: number }[];
  users: number;
  policies: number;
  /** Grants that still give access. */
  activeGrants: number;
  /** Days the lists of events look back. */
  eventDays: number;
  /** The latest refused (or failed) FHIR requests. */
  refused: readonly AuditRowView[];
  /** The latest failed sign-ins, lockouts, refused or suspicious token and consent events. */
  securityEvents: readonly AuditRowView[];
  /** Whether the lists name each event's tenant (the root's console). */
  everyTenant: boolean;
  keys: readonly DashboardKey[];
}

export interface DashboardPageModel {
  frame: ConsoleFrame;
  facts: DashboardView;
  now: Date;
}

const DAY_MS = 86_400_000;

/** The console's first page: counts, each a link to its section, and the signing keys with their age. */
export function renderDashboardPage(model: DashboardPageModel): string {
  const { facts, frame } = model;
  const site = frame.site;
  const count = (label: string, value: number, href: string) => html`<li class="stat"><a href="${pagePath(site, href)}"><span class="stat-value">${value}</span> <span class="stat-label">${label}</span></a></li>`;
  const age = (created: Date) => {
    const days = Math.floor((model.now.getTime() - created.getTime()) / DAY_MS);
    return days === 0 ? 'today' : days === 1 ? '1 day' : `${days} days`;
  };
  return consoleLayout(
    'Dashboard',
    html`<h1>Dashboard</h1>
<ul class="stats">
${facts.tenants !== undefined ? count(facts.tenants === 1 ? 'tenant' : 'tenants', facts.tenants, CONSOLE_PATHS.home) : ''}
${count(facts.apps === 1 ? 'app' : 'apps', facts.apps, CONSOLE_PATHS.apps)}
${count(facts.users === 1 ? 'user' : 'users', facts.users, CONSOLE_PATHS.users)}
${count(facts.policies === 1 ? 'access policy' : 'access policies', facts.policies, CONSOLE_PATHS.policies)}
${count(facts.activeGrants === 1 ? 'active grant' : 'active grants', facts.activeGrants, CONSOLE_PATHS.sessions)}
</ul>
<section aria-labelledby="app-status-heading">
<h2 id="app-status-heading">Apps by review status</h2>
<ul class="stats">
${facts.appsByStatus.map((s) => count(s.status, s.count, CONSOLE_PATHS.apps))}
</ul>
</section>
${eventList('refused-heading', 'Recent refused requests', 'Refused requests', facts.refused, facts.everyTenant, `${CONSOLE_PATHS.audit}?outcome=failure&type=rest`, site, facts.eventDays)}
${eventList('security-heading', 'Recent security events', 'Security events', facts.securityEvents, facts.everyTenant, `${CONSOLE_PATHS.audit}?outcome=failure&type=authentication`, site, facts.eventDays)}
<section aria-labelledby="keys-heading">
<h2 id="keys-heading">Signing keys</h2>
${dataTable(
  'Signing keys',
  ['Key id', 'Algorithm', 'Status', 'Created', 'Age'],
  facts.keys.map((k) => [html`<code>${k.kid}</code>`, k.alg, k.status, html`<time datetime="${k.createdAt.toISOString()}">${utcMinute(k.createdAt)}</time>`, age(k.createdAt)]),
)}
<p><a href="${pagePath(site, CONSOLE_PATHS.keys)}">Manage keys</a></p>
</section>`,
    frame,
  );
}

/** A short list of events, each linking to its detail, and a link to the log filtered to their kind. */
function eventList(id: string, title: string, caption: string, rows: readonly AuditRowView[], everyTenant: boolean, more: string, site: DashboardPageModel['frame']['site'], days: number): SafeHtml {
  return html`<section aria-labelledby="${id}">
<h2 id="${id}">${title}</h2>
${rows.length === 0
  ? html`<p>None in the last ${days} days.</p>`
  : dataTable(
      caption,
      ['When', ...(everyTenant ? ['Tenant'] : []), 'Event', 'Outcome', 'Reason'],
      rows.map((row) => [
        html`<a class="audit-when" href="${pagePath(site, auditEventPath(row.id))}"><time datetime="${row.recorded.toISOString()}">${utcMinute(row.recorded)}</time><span class="visually-hidden">: ${row.what}</span></a>`,
        ...(everyTenant ? [row.tenant ?? ''] : []),
        row.what,
        outcomeBadge(row),
        row.reason ?? '',
      ]),
    )}
<p><a href="${pagePath(site, more)}">More in the audit log<span class="visually-hidden">: ${title.toLowerCase()}</span></a></p>
</section>`;
}
