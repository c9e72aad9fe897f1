import { html } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { utcMinute } from '../readable-time.ts';
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
  users: number;
  policies: number;
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
</ul>
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
