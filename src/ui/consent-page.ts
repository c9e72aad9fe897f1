import { html } from './html.ts';
import { layout } from './layout.ts';
import { appIdentityBlock, type AppIdentityView } from './app-identity-view.ts';
import type { PageSite } from './page-site.ts';
import { scopeText, type ScopeLine } from './scope-line.ts';

/** A requested scope: a checkbox, checked. */
export interface ConsentScope extends ScopeLine {
  /**
   * Narrower category scopes the user may grant instead: each an unchecked checkbox under this one
   * (ONC g10 granular scope selection).
   */
  categories?: readonly ScopeLine[];
}

export interface ConsentPageModel {
  clientName: string;
  /** What the app says of itself: logo, organisation, policy and terms (absent: its name alone). */
  app?: AppIdentityView;
  /** Whose record: the user's own (absent: so), a patient named (a practitioner's EHR launch), or records not yet chosen. */
  subject?: { kind: 'own' } | { kind: 'patient'; id: string; name?: string } | { kind: 'records' };
  /** Requested scopes, in request order. */
  scopes: readonly ConsentScope[];
  /**
   * Set when a requested scope keeps access after the app is closed and the user signs out: that scope's
   * label, which the long-lived notice names.
   */
  longLivedScopeLabel?: string;
  /** Where the answer sends the browser: the host of the app's redirect_uri (or a native app's scheme). */
  redirectHost?: string;
  /** The app registered itself and no administrator has reviewed it: its name is only its own claim. */
  unverified?: boolean;
  csrfToken: string;
  /** Where the form posts (the authorize endpoint). */
  action: string;
  /** The root URLs or a tenant's (absent: the root). */
  site?: PageSite;
  /** Hidden fields carried through the decision (the pending authorization's id and the like). */
  hidden?: Readonly<Record<string, string>>;
}

/**
 * The consent page (SMART App Launch: the user may grant less than asked). Every requested scope is a
 * checkbox named `scope`, checked; under a whole Condition or Observation scope, its categories are
 * unchecked checkboxes of the same name, so the user can share only some kinds instead. The decision is a
 * button named `decision` (`allow` or `deny`). Before the choices: a warning when the app is unverified, and
 * the host the answer goes to, so a look-alike name cannot hide where the record would go.
 */
export function renderConsentPage(model: ConsentPageModel): string {
  return layout(
    'Allow access',
    html`<h1>${consentQuestion(model)}</h1>
${model.subject?.kind === 'patient' ? html`<p class="patient">Patient: <strong>${model.subject.name ?? model.subject.id}</strong>${model.subject.name ? html` (${model.subject.id})` : ''}</p>
` : ''}${model.app ? appIdentityBlock(model.app) : ''}
${
  model.unverified
    ? html`<p class="warning"><strong>Unverified app.</strong> “${model.clientName}” registered itself with this server, and no administrator has checked who made it. Its name is whatever its maker chose. Allow it only if you know this app and expected to be sent to ${model.redirectHost ?? 'its address'}.</p>
`
    : ''
}${model.redirectHost ? html`<p class="destination">After you answer, you will be sent to <strong>${model.redirectHost}</strong>.</p>
` : ''}<form method="post" action="${model.action}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
${Object.entries(model.hidden ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">
`)}
<fieldset>
<legend>${model.clientName} asks to:</legend>
${model.scopes.map((line, i) => {
  const id = `scope-${i}`;
  const categories = line.categories ?? [];
  return html`<label class="scope" for="${id}"><input type="checkbox" id="${id}" name="scope" value="${line.scope}" checked> ${scopeText(line)}</label>
${
  categories.length > 0
    ? html`<fieldset class="categories">
<legend>Or share only some kinds — uncheck the line above, then check these:</legend>
${categories.map((category, j) => {
  const categoryId = `${id}-${j}`;
  return html`<label class="scope" for="${categoryId}"><input type="checkbox" id="${categoryId}" name="scope" value="${category.scope}"> ${scopeText(category)}</label>
`;
})}</fieldset>
`
    : ''
}`;
})}
</fieldset>
${
  model.longLivedScopeLabel !== undefined
    ? html`<p class="notice"><strong>Long-lived access:</strong> with “${model.longLivedScopeLabel}” checked, this app can keep reading what you allow after you close it and after you sign out, until you revoke it on your authorized apps page. Uncheck it to allow access only while you use the app.</p>`
    : ''
}
<button type="submit" class="primary" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
    model.site,
  );
}

/** The page's question, about whose record it is. */
function consentQuestion(model: ConsentPageModel) {
  switch (model.subject?.kind) {
    case 'patient':
      return html`Allow ${model.clientName} to access this patient’s record?`;
    case 'records':
      return html`Allow ${model.clientName} to access health records for you?`;
    default:
      return html`Allow ${model.clientName} to access your health record?`;
  }
}
