import { html } from './html.ts';
import { layout } from './layout.ts';

export interface PatientPickerPageModel {
  clientName: string;
  csrfToken: string;
  /** Where the form posts (the consent decision). */
  action: string;
  /** The scopes already granted, carried as `scope` fields. */
  scopes: readonly string[];
  hidden: Readonly<Record<string, string>>;
  /** Shown after an unknown id was entered. */
  error?: string;
}

/**
 * Chooses the patient of a standalone launch for a user who is not a patient (SMART App Launch 2.2
 * §"Standalone launch": the server establishes patient context). The choice is an input named `patient`.
 */
export function renderPatientPickerPage(model: PatientPickerPageModel): string {
  return layout(
    'Choose a patient',
    html`<h1>Choose the patient ${model.clientName} will work with</h1>
${model.error ? html`<p class="error" role="alert">${model.error}</p>` : ''}
<form method="post" action="${model.action}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<input type="hidden" name="decision" value="allow">
${Object.entries(model.hidden).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">
`)}
${model.scopes.map((scope) => html`<input type="hidden" name="scope" value="${scope}">
`)}
<label for="patient">Patient id</label>
<input id="patient" name="patient" type="search" required autocomplete="off">
<button type="submit">Continue</button>
</form>`,
  );
}
