import { html } from './html.ts';
import { layout } from './layout.ts';
import type { PageSite } from './page-site.ts';

/** A patient the user may choose. */
export interface PatientPickerEntry {
  id: string;
  name?: string;
  birthDate?: string;
}

export interface PatientPickerPageModel {
  clientName: string;
  csrfToken: string;
  /** Where the form posts (the consent decision). */
  action: string;
  /** The root URLs or a tenant's (absent: the root). */
  site?: PageSite;
  hidden: Readonly<Record<string, string>>;
  /** The search text the list answers ('' for the first page). */
  search: string;
  /** The patients to choose from. */
  patients: readonly PatientPickerEntry[];
  /** Shown after an unknown id was sent, or nobody was chosen. */
  error?: string;
}

/**
 * Chooses the patient of a standalone launch for a user who is not a patient (SMART App Launch 2.2
 * §"Standalone launch": the server establishes patient context). One form: the Search button (first, so
 * Enter in the search box searches) lists patients by name or id; each patient is a radio button named
 * `patient`, chosen with Continue.
 */
export function renderPatientPickerPage(model: PatientPickerPageModel): string {
  return layout(
    'Choose a patient',
    html`<h1>Choose the patient ${model.clientName} will work with</h1>
${model.error ? html`<p class="error" role="alert">${model.error}</p>` : ''}
<form method="post" action="${model.action}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
${Object.entries(model.hidden).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">
`)}

<label for="patient_search">Find a patient by name or id</label>
<div class="search">
<input id="patient_search" name="patient_search" type="search" value="${model.search}" autocomplete="off">
<button type="submit" name="patient_action" value="search" formnovalidate>Search</button>
</div>
<fieldset>
<legend>${model.search ? html`Patients matching “${model.search}”` : 'Patients'}</legend>
${
  model.patients.length === 0
    ? html`<p>No patient matches. Try another name.</p>`
    : model.patients.map((patient, i) => {
        const id = `patient-${i}`;
        return html`<label class="choice" for="${id}"><input type="radio" id="${id}" name="patient" value="${patient.id}" required> <span>${patient.name ?? 'Unnamed patient'}${patient.birthDate ? html` · born ${patient.birthDate}` : ''} <code>${patient.id}</code></span></label>
`;
      })
}
</fieldset>
<button type="submit" class="primary" name="patient_action" value="choose">Continue</button>
</form>`,
    model.site,
  );
}
