import { html, type SafeHtml } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { copyButton, fieldError, invalidAttributes } from '../portal/form-fields.ts';
import { utcMinute } from '../readable-time.ts';
import { consoleAppPath, consoleGrantRevokePath } from './app-paths.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { actionForm, dataTable, notice, pager, type PageWindow } from './console-parts.ts';
import { CONSOLE_PATHS } from './console-paths.ts';

/** An app as its console page shows it. */
export interface AppDetailView {
  id: string;
  name: string;
  description?: string;
  type: string;
  /** Its review status (`approved` when it has none). */
  status: string;
  active: boolean;
  /** Its tenant's id; `default` for a global one. */
  tenant: string;
  /** The developer who owns it: User id, and email when known. */
  developer?: { id: string; email?: string };
  redirectUris: readonly string[];
  scopes: readonly string[];
  grantTypes: readonly string[];
  /** How it authenticates at the token endpoint, said plainly. */
  authMethods: readonly string[];
  /** Whether it authenticates with a secret (then it can be rotated). */
  hasSecret: boolean;
  /** The last review decision's note and time. */
  review?: { note?: string; at?: string };
}

/** One of its grants that still gives access. */
export interface AppGrantRow {
  id: string;
  /** The User it was granted by; none for client_credentials. */
  user?: string;
  scope: string;
  patient?: string;
  grantedAt: Date;
}

/** One line of its recent activity. */
export interface AppActivityRow {
  recorded: Date;
  what: string;
  outcome: string;
  who: string;
}

export interface AppPageModel {
  frame: ConsoleFrame;
  app: AppDetailView;
  /** The version shown: a decision on it is refused (409) if the app changed meanwhile. */
  version: string;
  grants: readonly AppGrantRow[];
  grantsWindow: PageWindow;
  grantsHref: (page: number) => string;
  activity: readonly AppActivityRow[];
  /** The secret this very response issued: shown once. */
  secret?: string;
  notice?: string;
  /** An action refused (shown at the top, role=alert). */
  error?: string;
  /** The review form as sent, and its problem, when refused. */
  reviewNote?: string;
  reviewError?: string;
}

/** /admin/apps/{id}: the app's details, review, suspend, edit, rotate, its grants and recent activity. */
export function renderAppPage(model: AppPageModel): string {
  const { app, frame } = model;
  const site = frame.site;
  const path = (p: string) => pagePath(site, p);
  const csrf = frame.csrfToken;
  const list = (items: readonly string[]) => (items.length ? items.map((item) => html`<code>${item}</code><br>`) : html`<span class="muted">none</span>`);
  return consoleLayout(
    app.name,
    html`<p><a href="${path(CONSOLE_PATHS.apps)}">All apps</a></p>
<h1>${app.name}</h1>
${notice(model.notice)}${notice(model.error, 'error')}
${model.secret !== undefined ? secretShownOnce(model.secret) : ''}
<dl>
<dt>Client ID</dt><dd><code>${app.id}</code></dd>
<dt>Status</dt><dd><span class="badge">${app.status}</span>${app.active ? '' : html` <span class="badge">suspended</span> <span class="muted">No one can be authorized for it; its grants have ended.</span>`}</dd>
<dt>Type</dt><dd>${app.type}</dd>
<dt>Tenant</dt><dd>${app.tenant}</dd>
<dt>Developer</dt><dd>${app.developer ? html`${app.developer.email ?? ''} <code>${app.developer.id}</code>` : html`<span class="muted">none (registered by an operator)</span>`}</dd>
${app.description ? html`<dt>Description</dt><dd>${app.description}</dd>` : ''}
<dt>Redirect URIs</dt><dd>${list(app.redirectUris)}</dd>
<dt>Scopes</dt><dd>${list(app.scopes)}</dd>
<dt>Grant types</dt><dd>${list(app.grantTypes)}</dd>
<dt>Authentication</dt><dd>${app.authMethods.join('; ')}</dd>
${app.review ? html`<dt>Review note</dt><dd>${app.review.note ?? html`<span class="muted">none</span>`}${app.review.at ? html` <span class="muted">(<time datetime="${app.review.at}">${utcMinute(new Date(app.review.at))}</time>)</span>` : ''}</dd>` : ''}
</dl>
<div class="actions">
<a class="button-link" href="${path(consoleAppPath(app.id, 'edit'))}">Edit</a>
${app.active ? actionForm(path(consoleAppPath(app.id, 'active')), csrf, 'Suspend', { fields: { active: 'false' } }) : actionForm(path(consoleAppPath(app.id, 'active')), csrf, 'Reactivate', { fields: { active: 'true' } })}
${app.hasSecret ? actionForm(path(consoleAppPath(app.id, 'rotate-secret')), csrf, 'Rotate secret') : ''}
</div>
<section aria-labelledby="review-heading">
<h2 id="review-heading">Review</h2>
<form method="post" action="${path(consoleAppPath(app.id, 'review'))}">
<input type="hidden" name="csrf_token" value="${csrf}">
<input type="hidden" name="version" value="${model.version}">
<label for="review-note">Note to the developer <span class="muted">(required to reject)</span></label>
<textarea id="review-note" name="note" rows="3"${invalidAttributes('review-note', model.reviewError, 'review-note-hint')}>${model.reviewNote ?? ''}</textarea>
<p class="field-hint" id="review-note-hint">The developer reads it on their app's page in the developer portal.</p>
${fieldError('review-note', model.reviewError)}
<button type="submit" name="decision" value="approve" class="primary">Approve</button>
<button type="submit" name="decision" value="reject" class="danger">Reject</button>
</form>
</section>
<section aria-labelledby="grants-heading">
<h2 id="grants-heading">Active grants</h2>
${
  model.grants.length
    ? dataTable(
        'Active grants',
        ['Granted', 'User', 'Scope', 'Patient', 'Action'],
        model.grants.map((g) => [
          html`<time datetime="${g.grantedAt.toISOString()}">${utcMinute(g.grantedAt)}</time>`,
          g.user ?? html`<span class="muted">none (client credentials)</span>`,
          html`<code>${g.scope}</code>`,
          g.patient ?? '',
          actionForm(path(consoleGrantRevokePath(app.id, g.id)), csrf, 'Revoke', { describedBy: `grant-${g.id}` }),
        ]),
      )
    : html`<p>No grant of this app gives access now.</p>`
}
${model.grants.map((g) => html`<span hidden id="grant-${g.id}">the grant of ${utcMinute(g.grantedAt)}${g.user ? ` by ${g.user}` : ''}</span>`)}
${model.grantsWindow.total > 0 ? pager(model.grantsWindow, model.grantsHref, 'Pages of grants') : ''}
</section>
<section aria-labelledby="activity-heading">
<h2 id="activity-heading">Recent activity</h2>
${
  model.activity.length
    ? dataTable(
        'Recent activity',
        ['When', 'What', 'Outcome', 'Who'],
        model.activity.map((a) => [html`<time datetime="${a.recorded.toISOString()}">${utcMinute(a.recorded)}</time>`, a.what, a.outcome, a.who]),
      )
    : html`<p>Nothing recorded yet.</p>`
}
<p><a href="${path(CONSOLE_PATHS.audit)}">The audit log</a></p>
</section>`,
    { ...frame, ...(model.secret !== undefined ? { copyButtons: true } : {}) },
  );
}

function secretShownOnce(secret: string): SafeHtml {
  return html`<div class="warning"><p><strong>Copy the new client secret now.</strong> It is shown only this once; the old one no longer works.</p>
<label for="client-secret">Client secret</label>
<div class="copyable"><input id="client-secret" type="text" readonly value="${secret}">${copyButton('client-secret', 'the client secret')}</div></div>`;
}
