import { html } from './html.ts';
import { layout } from './layout.ts';
import { scopeText, type ScopeLine } from './scope-line.ts';
import { ENDPOINTS } from '../endpoints.ts';
import { pagePath, type PageSite } from './page-site.ts';
import { utcMinute } from './readable-time.ts';

export interface AppsPageApp {
  /** What the Revoke button sends. */
  grantId: string;
  /** Grants of one client are shown on one card. */
  clientId: string;
  clientName: string;
  scopes: readonly ScopeLine[];
  grantedAt: Date;
  patient?: { id: string; name?: string };
  /** Minted by the sandbox's debug token endpoint. */
  debugMinted?: boolean;
}

export interface AppsPageModel {
  userName: string;
  csrfToken: string;
  apps: readonly AppsPageApp[];
  /** The app whose access was just revoked: the page confirms it. */
  revoked?: string;
  site?: PageSite;
}

/** Where the page lives (SMART `management_endpoint`) and where its forms post. */
export const APPS_PAGE_PATH = ENDPOINTS.management.path;
export const APPS_REVOKE_PATH = ENDPOINTS.managementRevoke.path;

/** The grants of each app, in the order the apps first appear. */
function byApp(apps: readonly AppsPageApp[]): AppsPageApp[][] {
  const cards = new Map<string, AppsPageApp[]>();
  for (const app of apps) cards.set(app.clientId, [...(cards.get(app.clientId) ?? []), app]);
  return [...cards.values()];
}

/**
 * The apps the signed-in user has allowed: one card per app, each of its authorizations inside with what it may
 * do in plain words and a Revoke button (a CSRF-protected form: revoking ends every token of that authorization at
 * once) whose accessible name says which app and which authorization; a confirmation after revoking; sign out.
 */
export function renderAppsPage(model: AppsPageModel): string {
  return layout(
    'Your apps',
    html`<h1>Apps you have allowed</h1>
<p>Signed in as <strong>${model.userName}</strong>.</p>
${model.revoked !== undefined ? html`<p class="success" role="status">Access of <strong>${model.revoked}</strong> revoked: its tokens stopped working.</p>` : ''}
${
  model.apps.length === 0
    ? html`<p>No app has access to your record.</p>`
    : byApp(model.apps).map(
        (grants) => html`<section class="card app">
<h2>${grants[0]?.clientName ?? ''}</h2>
${grants.map((app, i) => grantBlock(app, model, grants.length > 1 ? ` (authorization ${i + 1} of ${grants.length})` : ''))}</section>
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

function grantBlock(app: AppsPageApp, model: AppsPageModel, which: string) {
  const when = utcMinute(app.grantedAt);
  return html`<div class="grant">
<p>${app.debugMinted ? html`<span class="badge">Debug token</span> Minted` : 'Allowed'} on <time datetime="${app.grantedAt.toISOString()}">${when}</time>${
    app.patient ? html`, for the patient record <strong>${app.patient.name ?? app.patient.id}</strong>${app.patient.name ? html` (${app.patient.id})` : ''}` : ''
  }.</p>
<ul>
${app.scopes.map((line) => html`<li class="scope">${scopeText(line)}</li>
`)}</ul>
<form method="post" action="${pagePath(model.site, APPS_REVOKE_PATH)}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<input type="hidden" name="grant" value="${app.grantId}">
<button type="submit">Revoke<span class="visually-hidden"> access of ${app.clientName}${which} ${app.debugMinted ? 'minted' : 'allowed'} on ${when}${app.patient ? `, for ${app.patient.name ?? app.patient.id}` : ''}</span></button>
</form>
</div>
`;
}
