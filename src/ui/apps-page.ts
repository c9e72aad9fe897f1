import { html } from './html.ts';
import { layout } from './layout.ts';
import { scopeText, type ScopeLine } from './scope-line.ts';
import { ENDPOINTS } from '../endpoints.ts';
import { pagePath, type PageSite } from './page-site.ts';
import { utcMinute } from './readable-time.ts';
import { activityBlock, type AppsPageActivity } from './app-activity.ts';

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
  /**
   * For a user who is a patient: what each app did with their record in the last `days` days, most recent first.
   * An app among them no longer in `apps` (revoked, expired) gets a card of its own, marked.
   */
  activity?: { days: number; apps: readonly AppsPageActivity[] };
  /** The last sign-ins with the user's account (any user). */
  signIns?: { days: number; entries: readonly AppsPageSignIn[] };
  site?: PageSite;
}

export interface AppsPageSignIn {
  recorded: Date;
  kind: 'sign-in' | 'sign-in-failed' | 'lockout';
  address?: string;
}

const SIGN_IN_TEXT: Record<AppsPageSignIn['kind'], string> = { 'sign-in': 'Signed in', 'sign-in-failed': 'Sign-in failed', lockout: 'Sign-in refused: too many attempts' };

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
  const activityOf = new Map((model.activity?.apps ?? []).map((a) => [a.clientId, a]));
  const allowed = new Set(model.apps.map((a) => a.clientId));
  const former = (model.activity?.apps ?? []).filter((a) => !allowed.has(a.clientId));
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
${grants.map((app, i) => grantBlock(app, model, grants.length > 1 ? ` (authorization ${i + 1} of ${grants.length})` : ''))}${
          model.activity ? activityBlock(activityOf.get(grants[0]?.clientId ?? ''), model.activity.days, grants[0]?.clientName ?? '') : ''
        }</section>
`,
      )
}
${former.map(
  (activity) => html`<section class="card former-app">
<h2>${activity.clientName} <span class="badge">No longer allowed</span></h2>
<p>This app no longer has access to your record (its authorization was revoked or has expired).</p>
${activityBlock(activity, model.activity?.days ?? 0, activity.clientName)}</section>
`,
)}
${model.signIns ? signInsBlock(model.signIns) : ''}
<form method="post" action="${pagePath(model.site, ENDPOINTS.logout.path)}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<button type="submit">Sign out</button>
</form>`,
    model.site,
  );
}

function signInsBlock(signIns: NonNullable<AppsPageModel['signIns']>) {
  return html`<section class="sign-ins">
<h2>Sign-ins with your account</h2>
${
  signIns.entries.length === 0
    ? html`<p>None in the last ${signIns.days} days.</p>`
    : html`<p>The last ${signIns.entries.length === 1 ? 'one' : signIns.entries.length} in the last ${signIns.days} days.</p>
<ol class="sign-in-list">
${signIns.entries.map(
  (s) => html`<li class="${s.kind === 'sign-in' ? 'sign-in' : 'sign-in refused'}"><time datetime="${s.recorded.toISOString()}">${utcMinute(s.recorded)}</time> ${SIGN_IN_TEXT[s.kind]}${s.address ? html` from <span class="address">${s.address}</span>` : ''}</li>
`,
)}</ol>`
}
</section>
`;
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
