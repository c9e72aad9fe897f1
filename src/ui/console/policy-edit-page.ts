import { html, type SafeHtml } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { fieldError, invalidAttributes } from '../portal/form-fields.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { actionForm, notice } from './console-parts.ts';
import { CONSOLE_PATHS } from './console-paths.ts';

/** A problem of the policy's text: where it is (when it can be found) and what it is. */
export interface PolicyTextProblem {
  message: string;
  /** 1-based. */
  line?: number;
  column?: number;
  /** That line of the text, to show it next to the message. */
  lineText?: string;
}

export interface PolicyEditPageModel {
  frame: ConsoleFrame;
  /** `view`: read-only (a global policy at a tenant's console). */
  mode: 'new' | 'edit' | 'view';
  /** Empty for a new policy until one is typed. */
  id: string;
  format: 'yaml' | 'json';
  text: string;
  idError?: string;
  problems: readonly PolicyTextProblem[];
  notice?: string;
}

/** /admin/policies/new and /admin/policies/{id}: the policy as YAML or JSON text, its problems at their lines. */
export function renderPolicyEditPage(model: PolicyEditPageModel): string {
  const site = model.frame.site;
  const base = CONSOLE_PATHS.policies;
  const here = model.mode === 'new' ? `${base}/new` : `${base}/${encodeURIComponent(model.id)}`;
  const title = model.mode === 'new' ? 'New access policy' : `AccessPolicy/${model.id}`;
  const rows = Math.min(40, Math.max(12, model.text.split('\n').length + 2));
  const described = model.problems.length > 0 ? 'policy-problems' : undefined;
  const formats = html`<nav class="format-choice" aria-label="Text format">${(['yaml', 'json'] as const).map(
    (f) => html`<a href="${pagePath(site, here)}?format=${f}"${f === model.format ? html` aria-current="true"` : ''}>${model.mode === 'view' ? 'Show' : 'Edit'} as ${f.toUpperCase()}</a>`,
  )}</nav>`;
  const body =
    model.mode === 'view'
      ? html`<p class="field-hint">A global policy: it applies here, and only a global administrator changes it.</p>
${formats}
<pre class="policy-text"><code>${model.text}</code></pre>`
      : html`${formats}
${textProblemList(model.problems, { listId: 'policy-problems', fieldId: 'policy', what: 'The policy' })}
<form method="post" action="${pagePath(site, here)}" novalidate>
<input type="hidden" name="csrf_token" value="${model.frame.csrfToken}">
<input type="hidden" name="format" value="${model.format}">
${model.mode === 'new' ? html`<label for="id">Id</label>
<input id="id" name="id" type="text" required value="${model.id}" autocomplete="off" spellcheck="false"${invalidAttributes('id', model.idError, 'id-hint')}>
<p class="field-hint" id="id-hint">1-128 letters, digits, ".", "_", "~" or "-".</p>
${fieldError('id', model.idError)}` : ''}
<label for="policy">Policy (${model.format.toUpperCase()})</label>
<textarea id="policy" name="text" rows="${rows}" spellcheck="false" autocapitalize="off" class="policy-text"${model.problems.length > 0 ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}>${model.text}</textarea>
<p class="field-hint">engine: allow (with links) or matcho (with a pattern); link: Client, User or Operation ids.</p>
<button type="submit" class="primary">${model.mode === 'new' ? 'Create policy' : 'Save policy'}</button>
</form>
${model.mode === 'edit' ? html`<h2>Delete</h2>${actionForm(pagePath(site, `${here}/delete`), model.frame.csrfToken, 'Delete this policy…', { fields: { confirm: 'no' } })}` : ''}`;
  return consoleLayout(
    title,
    html`<h1>${title}</h1>
<p><a href="${pagePath(site, base)}">All access policies</a> · <a href="${pagePath(site, `${base}/test`)}">Test a request</a></p>
${notice(model.notice)}
${body}`,
    model.frame,
  );
}

/** Where a text editor's problems are listed: the list's own id, the textarea's, and what has them ("The policy"). */
export interface TextProblemPlace {
  listId: string;
  fieldId: string;
  what: string;
}

/** The problems of an editor's text, each a link to the textarea, its line shown when found (role=alert). */
export function textProblemList(problems: readonly PolicyTextProblem[], place: TextProblemPlace): SafeHtml | '' {
  if (problems.length === 0) return '';
  return html`<div class="error" role="alert" id="${place.listId}"><p>${problems.length === 1 ? `${place.what} has a problem` : `${place.what} has ${problems.length} problems`}:</p>
<ul>${problems.map(
    (p) => html`<li><a href="#${place.fieldId}">${p.line !== undefined ? html`Line ${p.line}${p.column !== undefined ? html`, column ${p.column}` : ''}: ` : ''}${p.message}</a>${p.lineText ? html`<br><code class="policy-line">${p.lineText}</code>` : ''}</li>`,
  )}</ul></div>`;
}
