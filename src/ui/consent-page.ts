import { html } from './html.ts';
import { layout } from './layout.ts';
import { describeScope } from './scope-labels.ts';

export interface ConsentPageModel {
  clientName: string;
  /** Requested scopes, in request order; each becomes a checkbox, checked. */
  scopes: readonly string[];
  csrfToken: string;
  /** Where the form posts (the authorize endpoint). */
  action: string;
  /** Hidden fields carried through the decision (the pending authorization's id and the like). */
  hidden?: Readonly<Record<string, string>>;
}

/**
 * The consent page (SMART App Launch: the user may grant less than asked). Every requested scope is a
 * checkbox named `scope`, checked; the decision is a button named `decision` (`allow` or `deny`).
 */
export function renderConsentPage(model: ConsentPageModel): string {
  const longLived = model.scopes.includes('offline_access');
  return layout(
    'Allow access',
    html`<h1>Allow ${model.clientName} to access your health record?</h1>
<form method="post" action="${model.action}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
${Object.entries(model.hidden ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">
`)}
<fieldset>
<legend>${model.clientName} asks to:</legend>
${model.scopes.map((scope, i) => {
  const id = `scope-${i}`;
  return html`<label class="scope" for="${id}"><input type="checkbox" id="${id}" name="scope" value="${scope}" checked> <span>${describeScope(scope)} <code>${scope}</code></span></label>
`;
})}
</fieldset>
${longLived ? html`<p class="notice">This app asks for long-lived access: it can keep reading what you allow after you close it, until you revoke it.</p>` : ''}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`,
  );
}
