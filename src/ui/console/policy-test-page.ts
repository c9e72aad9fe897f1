import { html } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { fieldError, invalidAttributes } from '../portal/form-fields.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { CONSOLE_PATHS } from './console-paths.ts';

export type PolicyTestFieldName = 'client' | 'user' | 'patient' | 'scope' | 'method' | 'url';

/** What the administrator asked (as typed). */
export interface PolicyTestValues {
  client: string;
  user: string;
  patient: string;
  scope: string;
  method: string;
  url: string;
}

/** One link of the decision's chain. */
export interface ChainStep {
  kind: 'scope' | 'policy' | 'constraint' | 'user';
  verdict: 'met' | 'missing' | 'note';
  text: string;
}

export interface PolicyTestAnswer {
  api: 'FHIR' | 'admin';
  interaction: string;
  allowed: boolean;
  reason: string;
  steps: readonly ChainStep[];
  /** The scopes tested. */
  scopes: string;
  /** What policies saw of the request, as JSON text. */
  context?: string;
}

export interface PolicyTestPageModel {
  frame: ConsoleFrame;
  values: PolicyTestValues;
  errors: Partial<Record<PolicyTestFieldName, string>>;
  answer?: PolicyTestAnswer;
}

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];

const LABEL: Readonly<Record<ChainStep['kind'], Readonly<Record<ChainStep['verdict'], string>>>> = {
  scope: { met: 'Scope matched', missing: 'Scope missing', note: 'Scopes' },
  policy: { met: 'Policy allows', missing: 'Policy does not allow', note: 'Policies' },
  constraint: { met: 'Constraint', missing: 'Constraint', note: 'Constraint applies' },
  user: { met: 'Caller', missing: 'Caller refused', note: 'User' },
};

/** /admin/policies/test: a Client, a User (or none), a request; allow or deny, and the chain that decided it. */
export function renderPolicyTestPage(model: PolicyTestPageModel): string {
  const site = model.frame.site;
  const { values, errors } = model;
  const count = Object.keys(errors).length;
  const text = (field: PolicyTestFieldName, label: string, hint: string, optional: boolean) => html`<div>
<label for="${field}">${label}${optional ? html` <span class="muted">(optional)</span>` : ''}</label>
<input id="${field}" name="${field}" type="text" value="${values[field]}" autocomplete="off" spellcheck="false"${invalidAttributes(field, errors[field], `${field}-hint`)}>
<p class="field-hint" id="${field}-hint">${hint}</p>
${fieldError(field, errors[field])}</div>`;
  const answer = model.answer;
  return consoleLayout(
    'Test a request',
    html`<h1>Test a request</h1>
<p><a href="${pagePath(site, CONSOLE_PATHS.policies)}">All access policies</a></p>
<p class="field-hint">Decided by the same code as the FHIR API and the admin API, with the policies as they are now. Nothing is changed or sent.</p>
${count ? html`<div class="error" role="alert"><p>${count === 1 ? 'One field needs' : `${count} fields need`} attention:</p><ul>${Object.entries(errors).map(([field, message]) => html`<li><a href="#${field}">${message}</a></li>`)}</ul></div>` : ''}
<form method="get" action="${pagePath(site, `${CONSOLE_PATHS.policies}/test`)}" class="policy-test" novalidate>
${text('client', 'Client id', 'The app whose token is tested.', false)}
${text('user', 'User id', 'Whom the token acts for; empty for a backend service (client_credentials).', true)}
${text('patient', 'Patient in context', 'A Patient id, for patient/ scopes.', true)}
${text('scope', 'Scopes', "Space-separated; empty: the Client's registered scopes.", true)}
<div class="policy-request">
<div><label for="method">Method</label>
<select id="method" name="method"${invalidAttributes('method', errors.method)}>${METHODS.map((m) => html`<option${m === values.method ? html` selected` : ''}>${m}</option>`)}</select>
${fieldError('method', errors.method)}</div>
${text('url', 'URL', 'Relative to the FHIR base (/Observation?patient=123), or an admin API path (/Client/abc).', false)}
</div>
<button type="submit" class="primary">Test</button>
</form>
${
  answer
    ? html`<section aria-labelledby="answer-heading" class="policy-answer">
<h2 id="answer-heading">Answer: <span class="outcome ${answer.allowed ? 'allowed' : 'refused'}">${answer.allowed ? 'allow' : 'deny'}</span></h2>
<p>${answer.api === 'FHIR' ? html`FHIR interaction <code>${answer.interaction}</code>` : html`Admin API operation <code>${answer.interaction}</code>`} with <code>${answer.scopes}</code>: ${answer.reason}.</p>
<h3>Decision chain</h3>
<ol class="decision-chain">${answer.steps.map((step) => html`<li class="step-${step.verdict}"><strong>${LABEL[step.kind][step.verdict]}:</strong> ${step.text}</li>`)}</ol>
${answer.context !== undefined ? html`<details><summary>What the policies saw of the request</summary><pre class="policy-text"><code>${answer.context}</code></pre></details>` : ''}
</section>`
    : ''
}`,
    model.frame,
  );
}
