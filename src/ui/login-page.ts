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
}

export const LOGIN_FAILED_MESSAGE = 'The email or password is incorrect.';
export const LOGIN_THROTTLED_MESSAGE = 'Too many sign-in attempts. Wait a few minutes, then try again.';

export function renderLoginPage(model: LoginPageModel): string {
  return layout(
    'Sign in',
    html`<h1>Sign in</h1>
${model.app ? html`${appIdentityBlock(model.app)}<p>Sign in to continue to <strong>${model.app.name}</strong>.</p>` : ''}
${model.error ? html`<p class="error" role="alert">${model.error}</p>` : ''}
<form method="post" action="${pagePath(model.site, ENDPOINTS.login.path)}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<input type="hidden" name="return_to" value="${model.returnTo}">
<label for="username">Email</label>
<input id="username" name="username" type="email" autocomplete="username" required value="${model.email ?? ''}">
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required>
<button type="submit" class="primary">Sign in</button>
</form>`,
    model.site,
  );
}
