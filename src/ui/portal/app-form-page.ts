import { html, type SafeHtml } from '../html.ts';
import { layout } from '../layout.ts';
import { pagePath, type PageSite } from '../page-site.ts';
import { fieldError, invalidAttributes } from './form-fields.ts';
import { appPath, PORTAL_PATHS } from './portal-paths.ts';
import { scopeText, type ScopeLine } from '../scope-line.ts';

/** The form's fields as typed (text), so that a refused form comes back as it was sent. */
export interface AppFormValues {
  name: string;
  description: string;
  type: string;
  confidentiality: string;
  /** One per line. */
  redirectUris: string;
  launchUri: string;
  scopes: readonly string[];
  logoUrl: string;
  orgName: string;
  orgUrl: string;
  policyUrl: string;
  tosUrl: string;
  jwksUri: string;
  jwks: string;
}

export type AppFormField = keyof AppFormValues;

export interface ScopeGroup {
  legend: string;
  /** Which app types it is for, as the hint says. */
  hint: string;
  /** Each scope with what it lets the app do, as consent will tell the user. */
  scopes: readonly ScopeLine[];
}

export interface AppFormPageModel {
  csrfToken: string;
  /** Editing this app; absent: registering a new one. */
  appId?: string;
  values: AppFormValues;
  errors: Partial<Record<AppFormField, string>>;
  types: readonly { value: string; label: string }[];
  scopeGroups: readonly ScopeGroup[];
  /** Production: saving an approved app sends it back for review. */
  reviewNotice?: string;
  site?: PageSite;
}

/** The form of seed 000's fields, each problem at its field, the scopes as labelled checkboxes. */
export function renderAppFormPage(model: AppFormPageModel): string {
  const { values, errors } = model;
  const editing = model.appId !== undefined;
  const title = editing ? `Edit ${values.name}` : 'Register an app';
  const action = pagePath(model.site, editing ? appPath(model.appId ?? '', 'edit') : PORTAL_PATHS.newApp);
  const text = (field: AppFormField, label: string, type: 'text' | 'url', extra: { required?: boolean; hint?: string } = {}) => html`<label for="${field}">${label}${extra.required ? '' : html` <span class="muted">(optional)</span>`}</label>
<input id="${field}" name="${field}" type="${type}"${extra.required ? html` required` : ''} value="${values[field] as string}"${invalidAttributes(field, errors[field], extra.hint ? `${field}-hint` : undefined)}>
${extra.hint ? html`<p class="field-hint" id="${field}-hint">${extra.hint}</p>` : ''}${fieldError(field, errors[field])}`;
  const count = Object.keys(errors).length;
  return layout(
    title,
    html`<h1>${title}</h1>
<p><a href="${pagePath(model.site, editing ? appPath(model.appId ?? '') : PORTAL_PATHS.apps)}">Back</a></p>
${count ? html`<div class="error" role="alert"><p>${count === 1 ? 'One field needs' : `${count} fields need`} attention:</p><ul>${Object.entries(errors).map(([field, message]) => html`<li><a href="#${field}">${message}</a></li>`)}</ul></div>` : ''}
${model.reviewNotice ? html`<p class="notice">${model.reviewNotice}</p>` : ''}
<form method="post" action="${action}" novalidate>
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
${text('name', 'App name', 'text', { required: true })}
<label for="description">Description <span class="muted">(optional)</span></label>
<textarea id="description" name="description" rows="3"${invalidAttributes('description', errors.description)}>${values.description}</textarea>
${fieldError('description', errors.description)}
${radios('type', 'Kind of app', model.types, values.type, errors.type)}
${radios(
  'confidentiality',
  'Client type',
  [
    { value: 'confidential', label: 'Confidential: runs on a server and keeps a secret (or its private key)' },
    { value: 'public', label: 'Public: runs in a browser or on a device; uses PKCE, no secret' },
  ],
  values.confidentiality,
  errors.confidentiality,
)}
<label for="redirectUris">Redirect URIs <span class="muted">(SMART apps)</span></label>
<textarea id="redirectUris" name="redirectUris" rows="3"${invalidAttributes('redirectUris', errors.redirectUris, 'redirectUris-hint')}>${values.redirectUris}</textarea>
<p class="field-hint" id="redirectUris-hint">One per line, exactly as your app sends them.</p>
${fieldError('redirectUris', errors.redirectUris)}
${text('launchUri', 'Launch URI', 'url', { hint: 'Where an EHR launches your app (SMART EHR launch).' })}
${model.scopeGroups.map((group, g) => scopeGroup(group, g, values.scopes))}
${fieldError('scopes', errors.scopes)}
<h2>Keys</h2>
<p class="field-hint">Backend apps, and confidential apps that sign a JWT instead of using a secret: give a JWKS URL or paste the public JWKS.</p>
${text('jwksUri', 'JWKS URL', 'url')}
<label for="jwks">JWKS <span class="muted">(optional)</span></label>
<textarea id="jwks" name="jwks" rows="4" spellcheck="false"${invalidAttributes('jwks', errors.jwks)}>${values.jwks}</textarea>
${fieldError('jwks', errors.jwks)}
<h2>About the app</h2>
${text('logoUrl', 'Logo URL', 'url')}
${text('orgName', 'Organization', 'text')}
${text('orgUrl', 'Organization URL', 'url')}
${text('policyUrl', 'Privacy policy URL', 'url')}
${text('tosUrl', 'Terms of service URL', 'url')}
<button type="submit" class="primary">${editing ? 'Save changes' : 'Register app'}</button>
</form>`,
    model.site,
  );
}

function radios(field: string, legend: string, options: readonly { value: string; label: string }[], chosen: string, error: string | undefined): SafeHtml {
  return html`<fieldset id="${field}"${invalidAttributes(field, error)}>
<legend class="legend">${legend}</legend>
${options.map((option) => html`<label class="choice"><input type="radio" name="${field}" value="${option.value}"${option.value === chosen ? html` checked` : ''}> <span>${option.label}</span></label>`)}
</fieldset>
${fieldError(field, error)}`;
}

function scopeGroup(group: ScopeGroup, index: number, checked: readonly string[]): SafeHtml {
  return html`<fieldset${index === 0 ? html` id="scopes"` : ''} aria-describedby="scopes-hint-${index}">
<legend class="legend">${group.legend}</legend>
<p class="field-hint" id="scopes-hint-${index}">${group.hint}</p>
${group.scopes.map((line) => html`<label class="scope"><input type="checkbox" name="scope" value="${line.scope}"${checked.includes(line.scope) ? html` checked` : ''}> ${scopeText(line)}</label>`)}
</fieldset>`;
}
