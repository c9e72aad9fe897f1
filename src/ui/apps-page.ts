import { html } from './html.ts';
import { layout } from './layout.ts';
import { scopeText, type ScopeLine } from './scope-line.ts';
import { ENDPOINTS } from '../endpoints.ts';
import { pagePath, type PageSite } from './page-site.ts';

export interface AppsPageApp {
  /** What the Revoke button sends. */
  grantId: string;
  clientName: string;
  scopes: readonly ScopeLine[];
  grantedAt: Date;
  patient?: { id: string; name?: string };
}

export interface AppsPageModel {
  userName: string;
  csrfToken: string;
  apps: readonly AppsPageApp[];
  site?: PageSite;
}

/** Where the page lives (SMART `management_endpoint`) and where its forms post. */
export const APPS_PAGE_PATH = ENDPOINTS.management.path;
export const APPS_REVOKE_PATH = ENDPOINTS.managementRevoke.path;

/** `2026-11-23 22:08 UTC`: the same for every reader, whatever their time zone. */
function formatDate(date: Date): string {
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * The apps the signed-in user has allowed, each with what it may do in plain words and a Revoke button
 * (a CSRF-protected form: revoking ends every token of that authorization at once), and a sign-out button.
 */
export function renderAppsPage(model: AppsPageModel): string {
  return layout(
    'Your apps',
    html`<h1>Apps you have allowed</h1>
<p>Signed in as <strong>${model.userName}</strong>.</p>
${
  model.apps.length === 0
    ? html`<p>No app has access to your record.</p>`
    : model.apps.map(
        (app) => html`<section class="app">
<h2>${app.clientName}</h2>
<p>Allowed on <time datetime="${app.grantedAt.toISOString()}">${formatDate(app.grantedAt)}</time>${
          app.patient ? html`, for the patient record <strong>${app.patient.name ?? app.patient.id}</strong>${app.patient.name ? html` (${app.patient.id})` : ''}` : ''
        }.</p>
<ul>
${app.scopes.map((line) => html`<li class="scope">${scopeText(line)}</li>
`)}</ul>
<form method="post" action="${pagePath(model.site, APPS_REVOKE_PATH)}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<input type="hidden" name="grant" value="${app.grantId}">
<button type="submit">Revoke access of ${app.clientName}</button>
</form>
</section>
`,
      )
}
<form method="post" action="${pagePath(model.site, ENDPOINTS.logout.path)}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<button type="submit">Sign out</button>
</form>`,
    model.site,
  );
}
