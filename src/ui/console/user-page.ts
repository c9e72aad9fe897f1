import { html, type SafeHtml } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { utcMinute } from '../readable-time.ts';
import { copyButton } from '../portal/form-fields.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { actionForm, notice } from './console-parts.ts';
import { formProblems, userFields, type UserFormField, type UserFormValues } from './user-form-fields.ts';
import { USER_PATHS, userPath } from './user-paths.ts';

/** One User as their page shows them. */
export interface UserView {
  id: string;
  name?: string;
  email?: string;
  roles: readonly string[];
  fhirUser?: string;
  active: boolean;
  tenant?: string;
  hasPassword: boolean;
  /** A set-password link issued and not used yet. */
  pendingLink?: { purpose: 'invitation' | 'reset'; expiresAt: Date };
  /** The sign-in throttle's count of the account in its current window. */
  signIn: { attempts: number; locked: boolean; until?: Date };
  /** Accounts at identity providers that sign in as this User (read-only here: the admin API links them). */
  identities: readonly { issuer: string; subject: string }[];
}

/** A link just issued: shown this once. */
export interface IssuedLinkView {
  url: string;
  purpose: 'invitation' | 'reset';
  expiresAt: Date;
}

export interface UserPageModel {
  frame: ConsoleFrame;
  user: UserView;
  /** The edit form's values and problems (after a refused save); absent: the User's own. */
  form?: { values: UserFormValues; errors: Partial<Record<UserFormField, string>> };
  roles: readonly string[];
  issued?: IssuedLinkView;
  notice?: string;
  error?: string;
}

const time = (at: Date) => html`<time datetime="${at.toISOString()}">${utcMinute(at)}</time>`;

/** A User: who they are, how they sign in (password, link, lockout), and every action on them. */
export function renderUserPage(model: UserPageModel): string {
  const { frame, user } = model;
  const site = frame.site;
  const values: UserFormValues = model.form?.values ?? { name: user.name ?? '', email: user.email ?? '', roles: user.roles, fhirUser: user.fhirUser ?? '' };
  const errors = model.form?.errors ?? {};
  const title = user.name ?? user.email ?? user.id;
  return consoleLayout(
    title,
    html`<p><a href="${pagePath(site, USER_PATHS.list)}">All users</a></p>
<h1>${title}</h1>
${notice(model.notice)}${notice(model.error, 'error')}
${model.issued ? issuedLink(model.issued) : ''}
<section class="card" aria-labelledby="account-heading">
<h2 id="account-heading">Account</h2>
<dl>
<dt>Id</dt><dd><code>${user.id}</code></dd>
${user.tenant !== undefined ? html`<dt>Tenant</dt><dd>${user.tenant}</dd>` : ''}
<dt>Status</dt><dd>${user.active ? 'Active' : 'Deactivated: cannot sign in; their sessions and app authorizations have ended'}</dd>
<dt>Password</dt><dd>${passwordState(user)}</dd>
<dt>Sign-in</dt><dd>${user.signIn.locked ? html`<strong>Locked out</strong> after ${user.signIn.attempts} attempts, until ${time(user.signIn.until ?? new Date(0))}` : user.signIn.attempts > 0 ? html`Not locked out (${user.signIn.attempts} attempts in the current window)` : 'Not locked out'}</dd>
${user.identities.length > 0
  ? html`<dt>Linked accounts</dt><dd><ul class="identity-list">${user.identities.map((i) => html`<li>Subject <code>${i.subject}</code> at <code>${i.issuer}</code></li>`)}</ul></dd>`
  : ''}
<dt>FHIR resource</dt><dd>${user.fhirUser ? html`<code>${user.fhirUser}</code>` : 'None'} · <a href="${pagePath(site, userPath(user.id, 'fhir-user'))}">${user.fhirUser ? 'Change' : 'Link a patient or practitioner'}</a></dd>
</dl>
<div class="actions">
${user.active ? actionForm(pagePath(site, userPath(user.id, 'link')), frame.csrfToken, user.hasPassword ? 'Issue a password reset link' : 'Issue a new invitation link') : ''}
${user.signIn.attempts > 0 ? actionForm(pagePath(site, userPath(user.id, 'unlock')), frame.csrfToken, 'Unlock sign-in') : ''}
</div>
</section>
<section class="card" aria-labelledby="edit-heading">
<h2 id="edit-heading">Details and roles</h2>
${formProblems(errors)}
<form method="post" action="${pagePath(site, userPath(user.id))}" novalidate>
<input type="hidden" name="csrf_token" value="${frame.csrfToken}">
${userFields(values, errors, model.roles)}
<button type="submit" class="primary">Save</button>
</form>
</section>
<section class="card" aria-labelledby="danger-heading">
<h2 id="danger-heading">Deactivate or delete</h2>
<p>Deactivating ends their sessions and app authorizations at once; reactivating brings none back. Deleting removes the account.</p>
<div class="actions">
${user.active
  ? actionForm(pagePath(site, userPath(user.id, 'deactivate')), frame.csrfToken, 'Deactivate…')
  : actionForm(pagePath(site, userPath(user.id, 'reactivate')), frame.csrfToken, 'Reactivate')}
${actionForm(pagePath(site, userPath(user.id, 'delete')), frame.csrfToken, 'Delete…')}
</div>
</section>`,
    { ...frame, ...(model.issued ? { copyButtons: true } : {}) },
  );
}

function passwordState(user: UserView): SafeHtml | string {
  const pending = user.pendingLink;
  const link = pending ? html`; ${pending.purpose === 'invitation' ? 'an invitation' : 'a reset link'} is waiting to be used, until ${time(pending.expiresAt)}` : '';
  return html`${user.hasPassword ? 'Set' : 'Not set yet'}${link}`;
}

function issuedLink(issued: IssuedLinkView): SafeHtml {
  const what = issued.purpose === 'invitation' ? 'Invitation link' : 'Password reset link';
  return html`<section class="card" aria-labelledby="issued-heading">
<h2 id="issued-heading">${what}</h2>
<div class="success" role="status"><p>Shown this once: copy it now and hand it to the person. It works once, until ${time(issued.expiresAt)}; any earlier link of theirs no longer works.</p></div>
<label for="issued-link">${what}</label>
<div class="copyable"><input id="issued-link" type="text" readonly value="${issued.url}">${copyButton('issued-link', 'the link')}</div>
</section>`;
}
