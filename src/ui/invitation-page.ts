import { html } from './html.ts';
import { layout } from './layout.ts';
import { ENDPOINTS } from '../endpoints.ts';
import { pagePath, type PageSite } from './page-site.ts';
import { fieldError, invalidAttributes } from './portal/form-fields.ts';

export type InvitationField = 'password' | 'repeat';

export interface InvitationPageModel {
  csrfToken: string;
  /** The link's own token: the form posts back to the link. */
  token: string;
  purpose: 'invitation' | 'reset';
  /** Whose account: they sign in with this email. */
  email?: string;
  errors?: Partial<Record<InvitationField, string>>;
  site?: PageSite;
}

/** The page of a one-time link: the person chooses their password (twice), then signs in. */
export function renderInvitationPage(model: InvitationPageModel): string {
  const errors = model.errors ?? {};
  const title = model.purpose === 'invitation' ? 'Choose your password' : 'Choose a new password';
  return layout(
    title,
    html`<h1>${title}</h1>
<p>${model.purpose === 'invitation' ? 'You have been given an account' : 'A new password was asked for your account'}${model.email ? html` (<strong>${model.email}</strong>)` : ''}. This link works once.</p>
${Object.keys(errors).length ? html`<p class="error" role="alert">Check the fields marked below.</p>` : ''}
<form method="post" action="${pagePath(model.site, `${ENDPOINTS.invitation.path}/${model.token}`)}" novalidate>
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
${model.email ? html`<input type="email" name="username" autocomplete="username" value="${model.email}" readonly hidden>` : ''}
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="8"${invalidAttributes('password', errors.password, 'password-hint')}>
<p class="field-hint" id="password-hint">At least 8 characters.</p>
${fieldError('password', errors.password)}
<label for="repeat">Password again</label>
<input id="repeat" name="repeat" type="password" autocomplete="new-password" required${invalidAttributes('repeat', errors.repeat)}>
${fieldError('repeat', errors.repeat)}
<button type="submit" class="primary">Save password</button>
</form>`,
    model.site,
  );
}
