import { ENDPOINTS } from '../../endpoints.ts';
import { html } from '../html.ts';
import { layout } from '../layout.ts';
import { pagePath, type PageSite } from '../page-site.ts';
import { copyButton } from './form-fields.ts';
import { appPath, PORTAL_PATHS } from './portal-paths.ts';

export interface PortalAppSummary {
  id: string;
  name: string;
  type: string;
  status: string;
}

export interface IssuedRegistrationToken {
  token: string;
  expiresAt: Date;
  /** An RFC 7591 registration with the token, to copy. */
  curl: string;
}

export interface PortalAppsPageModel {
  csrfToken: string;
  developerName: string;
  apps: readonly PortalAppSummary[];
  /** Just issued by the form on this page: shown this once. */
  registrationToken?: IssuedRegistrationToken;
  /** An app was just deleted: its name. */
  deleted?: string;
  site?: PageSite;
}

/** A developer's apps, the way to register one, and initial access tokens for dynamic registration (RFC 7591 §3). */
export function renderPortalAppsPage(model: PortalAppsPageModel): string {
  const site = model.site;
  const issued = model.registrationToken;
  return layout(
    'Your apps',
    html`<h1>Your apps</h1>
<p>Signed in as <strong>${model.developerName}</strong>.</p>
${model.deleted !== undefined ? html`<p class="success" role="status">${model.deleted} was deleted.</p>` : ''}
<p><a class="button-link primary" href="${pagePath(site, PORTAL_PATHS.newApp)}">Register an app</a></p>
${
  model.apps.length === 0
    ? html`<p>You have no apps yet.</p>`
    : html`<ul class="cards">${model.apps.map(
        (app) => html`<li class="card"><h2><a href="${pagePath(site, appPath(app.id))}">${app.name}</a></h2>
<p>${app.type} · <span class="badge status-${app.status}">${app.status}</span></p></li>`,
      )}</ul>`
}
<section class="card" aria-labelledby="registration-token-heading">
<h2 id="registration-token-heading">Registration token</h2>
<p>Register apps from your own tooling with dynamic client registration (RFC 7591): an initial access token authorizes it.</p>
${
  issued
    ? html`<div class="success" role="status"><p>Your token, shown this once. It expires <time datetime="${issued.expiresAt.toISOString()}">${issued.expiresAt.toISOString().slice(0, 16).replace('T', ' ')} UTC</time>.</p></div>
<label for="registration-token">Initial access token</label>
<div class="copyable"><input id="registration-token" type="text" readonly value="${issued.token}">${copyButton('registration-token', 'the token')}</div>
<label for="registration-curl">Register an app with it</label>
<div class="copyable"><textarea id="registration-curl" readonly rows="8" spellcheck="false">${issued.curl}</textarea>${copyButton('registration-curl', 'the curl command')}</div>`
    : ''
}
<form method="post" action="${pagePath(site, PORTAL_PATHS.registrationToken)}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<button type="submit">Get a registration token</button>
</form>
</section>
<form method="post" action="${pagePath(site, ENDPOINTS.logout.path)}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<button type="submit">Sign out</button>
</form>`,
    site,
    'wide',
    { copyButtons: issued !== undefined },
  );
}
