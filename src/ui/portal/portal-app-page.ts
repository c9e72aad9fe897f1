import { html } from '../html.ts';
import { layout } from '../layout.ts';
import { pagePath, type PageSite } from '../page-site.ts';
import { copyButton } from './form-fields.ts';
import { appPath, PORTAL_PATHS } from './portal-paths.ts';

export interface PortalAppView {
  id: string;
  name: string;
  description?: string;
  type: string;
  confidentiality: 'public' | 'confidential';
  status: string;
  redirectUris: readonly string[];
  launchUri?: string;
  scopes: readonly string[];
  jwksUri?: string;
  hasJwks: boolean;
  /** Whether it authenticates with a secret (then it can be rotated). */
  hasSecret: boolean;
  /** The administrator's note on their last review decision. */
  reviewNote?: string;
  /** Suspended by an administrator: no one can authorize it. */
  suspended: boolean;
}

export interface PortalAppPageModel {
  csrfToken: string;
  app: PortalAppView;
  /** The secret this very response issued (creation or rotation): shown once, never again. */
  secret?: string;
  /** What just happened, said at the top. */
  notice?: string;
  /** Production: "Submit for review" while draft or rejected. */
  canSubmit: boolean;
  /** What the status means for who may use the app. */
  statusHelp: string;
  site?: PageSite;
}

/** One app: its client_id, a new secret once, its status, and edit, rotate, submit and delete. */
export function renderPortalAppPage(model: PortalAppPageModel): string {
  const { app, site } = model;
  const form = (action: 'rotate-secret' | 'submit' | 'delete', label: string, primary = false) => html`<form method="post" action="${pagePath(site, appPath(app.id, action))}" class="inline-form">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<button type="submit"${primary ? html` class="primary"` : ''}>${label}</button>
</form>`;
  return layout(
    app.name,
    html`<p><a href="${pagePath(site, PORTAL_PATHS.apps)}">Your apps</a></p>
<h1>${app.name}</h1>
${model.notice ? html`<p class="success" role="status">${model.notice}</p>` : ''}
${
  model.secret !== undefined
    ? html`<div class="warning"><p><strong>Copy the client secret now.</strong> It is shown only this once; if you lose it, rotate it.</p>
<label for="client-secret">Client secret</label>
<div class="copyable"><input id="client-secret" type="text" readonly value="${model.secret}">${copyButton('client-secret', 'the client secret')}</div></div>`
    : ''
}
<dl>
<dt>Client ID</dt>
<dd><div class="copyable"><input id="client-id" type="text" readonly value="${app.id}" aria-label="Client ID">${copyButton('client-id', 'the client ID')}</div></dd>
<dt>Status</dt>
<dd><span class="badge status-${app.status}">${app.status}</span> <span class="muted">${model.statusHelp}</span></dd>
${app.suspended ? html`<dt>Suspended</dt><dd>An administrator suspended this app: no one can authorize it, and its grants have ended.</dd>` : ''}
${app.reviewNote ? html`<dt>Reviewer's note</dt><dd class="review-note">${app.reviewNote}</dd>` : ''}
<dt>Kind</dt><dd>${app.type}, ${app.confidentiality}</dd>
${app.description ? html`<dt>Description</dt><dd>${app.description}</dd>` : ''}
${app.redirectUris.length ? html`<dt>Redirect URIs</dt><dd>${app.redirectUris.map((uri) => html`<code>${uri}</code><br>`)}</dd>` : ''}
${app.launchUri ? html`<dt>Launch URI</dt><dd><code>${app.launchUri}</code></dd>` : ''}
<dt>Scopes</dt><dd>${app.scopes.length ? app.scopes.map((scope) => html`<code>${scope}</code> `) : html`<span class="muted">none chosen</span>`}</dd>
${app.jwksUri ? html`<dt>JWKS URL</dt><dd><code>${app.jwksUri}</code></dd>` : ''}
${app.hasJwks ? html`<dt>JWKS</dt><dd>registered</dd>` : ''}
</dl>
<div class="actions">
<a class="button-link" href="${pagePath(site, appPath(app.id, 'edit'))}">Edit</a>
${model.canSubmit ? form('submit', 'Submit for review', true) : ''}
${app.hasSecret ? form('rotate-secret', 'Rotate secret') : ''}
${form('delete', 'Delete app')}
</div>`,
    site,
    'wide',
    { copyButtons: true },
  );
}
