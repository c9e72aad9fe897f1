import { html } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { copyButton, fieldError, invalidAttributes } from '../portal/form-fields.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { actionForm, notice } from './console-parts.ts';
import { CONSOLE_PATHS } from './console-paths.ts';
import { textProblemList, type PolicyTextProblem } from './policy-edit-page.ts';

export interface IdentityProviderEditPageModel {
  frame: ConsoleFrame;
  mode: 'new' | 'edit';
  /** Empty for a new provider until one is typed. */
  id: string;
  format: 'yaml' | 'json';
  /** The provider without its id, version, redirect URI or secret. */
  text: string;
  /** The redirect URI of a stored provider (read-only). */
  redirectUri?: string;
  idError?: string;
  /** Said under the secret's field: a secret typed in a refused form is not shown again. */
  secretError?: string;
  problems: readonly PolicyTextProblem[];
  notice?: string;
  error?: string;
}

/** /admin/identity-providers/new and /{id}: the provider as YAML or JSON text (the policy editor's), its secret apart. */
export function renderIdentityProviderEditPage(model: IdentityProviderEditPageModel): string {
  const site = model.frame.site;
  const base = CONSOLE_PATHS.identityProviders;
  const here = model.mode === 'new' ? `${base}/new` : `${base}/${encodeURIComponent(model.id)}`;
  const title = model.mode === 'new' ? 'New identity provider' : `IdentityProvider/${model.id}`;
  const rows = Math.min(40, Math.max(12, model.text.split('\n').length + 2));
  const described = ['provider-hint', ...(model.problems.length > 0 ? ['provider-problems'] : [])].join(' ');
  const formats = html`<nav class="format-choice" aria-label="Text format">${(['yaml', 'json'] as const).map(
    (f) => html`<a href="${pagePath(site, here)}?format=${f}"${f === model.format ? html` aria-current="true"` : ''}>Edit as ${f.toUpperCase()}</a>`,
  )}</nav>`;
  return consoleLayout(
    title,
    html`<h1>${title}</h1>
<p><a href="${pagePath(site, base)}">All identity providers</a></p>
${notice(model.notice)}${notice(model.error, 'error')}
${model.redirectUri !== undefined
  ? html`<label for="redirect-uri">Redirect URI (register it at the provider)</label>
<div class="copyable"><input id="redirect-uri" type="text" readonly value="${model.redirectUri}">${copyButton('redirect-uri', 'the redirect URI')}</div>`
  : ''}
${formats}
${textProblemList(model.problems, { listId: 'provider-problems', fieldId: 'provider', what: 'The identity provider' })}
<form method="post" action="${pagePath(site, here)}" novalidate>
<input type="hidden" name="csrf_token" value="${model.frame.csrfToken}">
<input type="hidden" name="format" value="${model.format}">
${model.mode === 'new' ? html`<label for="id">Id</label>
<input id="id" name="id" type="text" required value="${model.id}" autocomplete="off" spellcheck="false"${invalidAttributes('id', model.idError, 'id-hint')}>
<p class="field-hint" id="id-hint">1-128 letters, digits, ".", "_", "~" or "-"; part of the redirect URI.</p>
${fieldError('id', model.idError)}` : ''}
<label for="provider">Identity provider (${model.format.toUpperCase()})</label>
<textarea id="provider" name="text" rows="${rows}" spellcheck="false" autocapitalize="off" class="policy-text"${model.problems.length > 0 ? html` aria-invalid="true"` : ''} aria-describedby="${described}">${model.text}</textarea>
<p class="field-hint" id="provider-hint">title, issuer, client_id, token_endpoint_auth_method, scopes, active, mapping (user_claim, fhirUser, roles, provisioning). ${model.mode === 'edit' ? 'The client secret is never shown, here or anywhere: it is not in this text, and a save without one keeps the stored secret.' : 'The client secret goes in its own field below, not in this text: it is never shown, here or anywhere.'}</p>
<label for="client_secret">Client secret${model.mode === 'edit' ? ' (leave empty to keep the stored one)' : ''}</label>
<input id="client_secret" name="client_secret" type="password" autocomplete="off" spellcheck="false" value=""${invalidAttributes('client_secret', model.secretError, 'client_secret-hint')}>
<p class="field-hint" id="client_secret-hint">The secret the provider issued for client_id (not with private_key_jwt). Stored sealed; never shown again.</p>
${fieldError('client_secret', model.secretError)}
<button type="submit" class="primary">${model.mode === 'new' ? 'Create identity provider' : 'Save identity provider'}</button>
</form>
${model.mode === 'edit' ? html`<h2>Delete</h2>${actionForm(pagePath(site, `${here}/delete`), model.frame.csrfToken, 'Delete this identity provider…', { fields: { confirm: 'no' } })}` : ''}`,
    { ...model.frame, ...(model.redirectUri !== undefined ? { copyButtons: true } : {}) },
  );
}
