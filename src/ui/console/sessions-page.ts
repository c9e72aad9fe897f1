import { fieldError, invalidAttributes } from '../portal/form-fields.ts';
import { html, type SafeHtml } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { dataTable, notice, pager, type PageWindow } from './console-parts.ts';
import { CONSOLE_PATHS } from './console-paths.ts';
import { consoleTime } from './console-time.ts';

/** A live sign-in session as the page lists it. */
export interface SessionView {
  /** The stored id's hash: what the end form names (never the cookie's value). */
  ref: string;
  userId: string;
  email?: string;
  name?: string;
  signedInAt: Date;
  lastSeenAt: Date;
  endsAt: Date;
}

/** A grant that still gives access. */
export interface GrantView {
  id: string;
  clientId: string;
  userId?: string;
  scope: string;
  tenant: string;
  grantedAt: Date;
}

export interface ActivityQuery {
  user: string;
  app: string;
  sessionsPage: number;
  grantsPage: number;
}

export interface SessionsPageModel {
  frame: ConsoleFrame;
  query: ActivityQuery;
  /** A filter's problem, by field (`user`, `app`). */
  errors?: { user?: string; app?: string };
  sessions: { items: readonly SessionView[]; window: PageWindow };
  grants: { items: readonly GrantView[]; window: PageWindow };
  /** The root's console lists every tenant's grants: it shows their tenant. */
  showTenant: boolean;
  notice?: string;
}

export const SESSION_END_PATH = `${CONSOLE_PATHS.sessions}/end`;
export const GRANT_REVOKE_PATH = `${CONSOLE_PATHS.sessions}/revoke`;

/** /admin/sessions: who is signed in and which apps hold access, filtered by user or app; end or revoke. */
export function renderSessionsPage(model: SessionsPageModel): string {
  const { frame, query } = model;
  const site = frame.site;
  const base = pagePath(site, CONSOLE_PATHS.sessions);
  const href = (change: Partial<ActivityQuery>) => {
    const q = { ...query, ...change };
    const params = new URLSearchParams();
    if (q.user) params.set('user', q.user);
    if (q.app) params.set('app', q.app);
    if (q.sessionsPage > 1) params.set('spage', String(q.sessionsPage));
    if (q.grantsPage > 1) params.set('gpage', String(q.grantsPage));
    const text = params.toString();
    return text ? `${base}?${text}` : base;
  };
  // Their name (or email) first, then what identifies them: their email under a name, else their id.
  const who = (s: { userId: string; email?: string; name?: string }) => {
    const detail = s.name !== undefined ? (s.email ?? s.userId) : s.email !== undefined ? s.userId : undefined;
    return html`${s.name ?? s.email ?? s.userId}${detail !== undefined ? html`<br><code>${detail}</code>` : ''}`;
  };
  const sessionRows = model.sessions.items.map((s) => [
    who(s),
    consoleTime(s.signedInAt),
    consoleTime(s.lastSeenAt),
    consoleTime(s.endsAt),
    actionButton(pagePath(site, SESSION_END_PATH), frame.csrfToken, { session: s.ref }, 'End session', `of ${s.email ?? s.userId} signed in ${s.signedInAt.toISOString()}`),
  ]);
  const grantRows = model.grants.items.map((g) => [
    html`<code class="console-id">${g.id}</code>`,
    html`<code>${g.clientId}</code>`,
    g.userId ? html`<code>${g.userId}</code>` : 'none (backend service)',
    g.scope,
    ...(model.showTenant ? [g.tenant] : []),
    consoleTime(g.grantedAt),
    actionButton(pagePath(site, GRANT_REVOKE_PATH), frame.csrfToken, { grant: g.id }, 'Revoke', `grant ${g.id}`),
  ]);
  const errors = model.errors ?? {};
  return consoleLayout(
    'Sessions and grants',
    html`<h1>Sessions and grants</h1>
${notice(model.notice)}
<form method="get" action="${base}" class="filters" role="search" aria-label="Filter sessions and grants">
<div><label for="user">User (email or id)</label>
<input id="user" name="user" type="text" value="${query.user}" autocomplete="off"${invalidAttributes('user', errors.user)}>${fieldError('user', errors.user)}</div>
<div><label for="app">App (client id)</label>
<input id="app" name="app" type="text" value="${query.app}" autocomplete="off"${invalidAttributes('app', errors.app)}>${fieldError('app', errors.app)}</div>
<div><button type="submit">Filter</button>${query.user || query.app ? html` <a href="${base}">Show all</a>` : ''}</div>
</form>
<section aria-labelledby="sessions-heading">
<h2 id="sessions-heading">Sign-in sessions</h2>
<p>Ending a session signs that browser out at once; its user may sign in again. A session is a user's, not an app's: the app filter applies to grants only.</p>
${dataTable('Sign-in sessions', ['User', 'Signed in', 'Last active', 'Ends at the latest', 'Action'], sessionRows)}
${pager(model.sessions.window, (page) => href({ sessionsPage: page }), 'Sessions pages')}
</section>
<section aria-labelledby="grants-heading">
<h2 id="grants-heading">Active grants</h2>
<p>A grant is an app's access: revoking it ends every token issued under it at once, at the FHIR API and at the token endpoint.</p>
${dataTable('Active grants', ['Grant', 'App', 'User', 'Scope', ...(model.showTenant ? ['Tenant'] : []), 'Granted', 'Action'], grantRows)}
${pager(model.grants.window, (page) => href({ grantsPage: page }), 'Grants pages')}
</section>`,
    frame,
  );
}

/** A one-button form posting to the confirmation step; the hidden text names what it acts on for screen readers. */
function actionButton(action: string, csrfToken: string, fields: Record<string, string>, label: string, what: string): SafeHtml {
  return html`<form method="post" action="${action}" class="inline-form"><input type="hidden" name="csrf_token" value="${csrfToken}">${Object.entries(fields).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}<button type="submit" class="danger">${label}<span class="visually-hidden"> ${what}</span></button></form>`;
}
