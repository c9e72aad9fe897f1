import { html } from '../html.ts';
import { layout } from '../layout.ts';
import { pagePath, type PageSite } from '../page-site.ts';
import { fieldError, invalidAttributes } from './form-fields.ts';
import { PORTAL_PATHS } from './portal-paths.ts';
import { ENDPOINTS } from '../../endpoints.ts';

export type SignupField = 'name' | 'email' | 'password';

export interface SignupPageModel {
  csrfToken: string;
  values?: { name?: string; email?: string };
  errors?: Partial<Record<SignupField, string>>;
  site?: PageSite;
}

/** Sign up as a developer: name, email, password; each problem shown at its field. */
export function renderSignupPage(model: SignupPageModel): string {
  const errors = model.errors ?? {};
  const signIn = `${pagePath(model.site, ENDPOINTS.login.path)}?${new URLSearchParams({ return_to: pagePath(model.site, PORTAL_PATHS.apps) }).toString()}`;
  return layout(
    'Developer sign-up',
    html`<h1>Sign up as a developer</h1>
<p>Register SMART apps and backend services with this server. Already registered? <a href="${signIn}">Sign in</a>.</p>
${Object.keys(errors).length ? html`<p class="error" role="alert">Check the fields marked below.</p>` : ''}
<form method="post" action="${pagePath(model.site, PORTAL_PATHS.signup)}" novalidate>
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<label for="name">Name</label>
<input id="name" name="name" type="text" autocomplete="name" required value="${model.values?.name ?? ''}"${invalidAttributes('name', errors.name)}>
${fieldError('name', errors.name)}
<label for="email">Email</label>
<input id="email" name="email" type="email" autocomplete="email" required value="${model.values?.email ?? ''}"${invalidAttributes('email', errors.email)}>
${fieldError('email', errors.email)}
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="12"${invalidAttributes('password', errors.password, 'password-hint')}>
<p class="field-hint" id="password-hint">At least 12 characters.</p>
${fieldError('password', errors.password)}
<button type="submit" class="primary">Sign up</button>
</form>`,
    model.site,
  );
}
