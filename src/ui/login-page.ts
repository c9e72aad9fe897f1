import { html } from './html.ts';
import { layout } from './layout.ts';
import { ENDPOINTS } from '../endpoints.ts';
import { pagePath, type PageSite } from './page-site.ts';
import { appIdentityBlock, type AppIdentityView } from './app-identity-view.ts';

export interface LoginPageModel {
  /** The form posts here with this value in a hidden field. */
  csrfToken: string;
  /** Where to go after sign-in; already checked to be a local path. */
  returnTo: string;
  /** The email typed before, kept after a failure. */
  email?: string;
  /** The app asking, when the sign-in is for an authorization request. */
  app?: AppIdentityView;
  error?: string;
  /** The root URLs or a tenant's (absent: the root). */
  site?: PageSite;
  /** The tenant's identity providers: a "Sign in with …" button each, leading to `href`. */
  providers?: { title: string; href: string }[];
  /** False: the tenant turned password sign-in off (no email and password form). Absent: on. */
  passwordLogin?: boolean;
}

export const LOGIN_FAILED_MESSAGE = 'The email or password is incorrect.';
export const LOGIN_THROTTLED_MESSAGE = 'Too many sign-in attempts. Wait a few minutes, then try again.';

export const PASSWORD_LOGIN_OFF_MESSAGE = 'This organisation signs you in through its identity provider only.';

export function renderLoginPage(model: LoginPageModel): string {
  const providers = model.providers ?? [];
  const passwordLogin = model.passwordLogin !== false;
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
${model.app ? html`${appIdentityBlock(model.app)}<p>Sign in to continue to <strong>${model.app.name}</strong>.</p>` : ''}
${model.error ? html`<p class="error" role="alert">${model.error}</p>` : ''}
${providers.length
  ? html`<ul class="sign-in-providers" aria-label="Sign in with your organisation">${providers.map((p) => html`<li><a class="button-link${passwordLogin ? '' : ' primary'}" href="${p.href}">Sign in with ${p.title}</a></li>`)}</ul>
${passwordLogin ? html`<p class="divider"><span>or with your email and password</span></p>` : ''}`
  : ''}
${passwordLogin ? passwordForm(model) : providers.length ? '' : html`<p>${PASSWORD_LOGIN_OFF_MESSAGE} None is available right now; ask an administrator.</p>`}`,
    model.site,
  );
}

function passwordForm(model: LoginPageModel) {
  return html`<form method="post" action="${pagePath(model.site, ENDPOINTS.login.path)}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<input type="hidden" name="return_to" value="${model.returnTo}">
<label for="username">Email</label>
<input id="username" name="username" type="email" autocomplete="username" required value="${model.email ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" class="primary">Sign in</button>
</form>`;
}
