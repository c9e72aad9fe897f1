import { html } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { consoleAppPath } from './app-paths.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';

/** One problem of the body, as the admin API reports it (the field at fault, when there is one). */
export interface EditProblem {
  field?: string;
  message: string;
}

export interface AppEditPageModel {
  frame: ConsoleFrame;
  id: string;
  /** The version edited: a save after another change is refused (409). */
  version: string;
  name: string;
  /** The Client as JSON, as the admin API shows it (no secret), or as sent back when refused. */
  body: string;
  problems: readonly EditProblem[];
}

/** The Client as JSON in a textarea, saved as the admin API's PUT; a refused body comes back with its problems. */
export function renderAppEditPage(model: AppEditPageModel): string {
  const site = model.frame.site;
  const invalid = model.problems.length > 0;
  return consoleLayout(
    `Edit ${model.name}`,
    html`<p><a href="${pagePath(site, consoleAppPath(model.id))}">Back to ${model.name}</a></p>
<h1>Edit ${model.name}</h1>
${
  invalid
    ? html`<div class="error" role="alert" id="body-error"><p>Not saved: ${model.problems.length === 1 ? 'one problem' : `${model.problems.length} problems`}.</p><ul>${model.problems.map(
        (p) => html`<li>${p.field ? html`<code>${p.field}</code>: ` : ''}${p.message}</li>`,
      )}</ul></div>`
    : ''
}
<form method="post" action="${pagePath(site, consoleAppPath(model.id, 'edit'))}">
<input type="hidden" name="csrf_token" value="${model.frame.csrfToken}">
<input type="hidden" name="version" value="${model.version}">
<label for="client-body">Client (JSON)</label>
<p class="field-hint" id="client-body-hint">As the admin API reads and writes it. Leave the secret out to keep it; rotate it from the app's page.</p>
<textarea id="client-body" name="body" rows="24" spellcheck="false"${invalid ? html` aria-invalid="true" aria-describedby="client-body-hint body-error"` : html` aria-describedby="client-body-hint"`}>${model.body}</textarea>
<button type="submit" class="primary">Save</button>
<a class="button-link" href="${pagePath(site, consoleAppPath(model.id))}">Cancel</a>
</form>`,
    model.frame,
  );
}
