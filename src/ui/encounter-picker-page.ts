import { html } from './html.ts';
import { layout } from './layout.ts';
import type { PageSite } from './page-site.ts';
import { readableDateTime } from './readable-time.ts';

/** A visit the user may choose. */
export interface EncounterPickerEntry {
  id: string;
  /** When it started (or ended), as recorded. */
  date?: string;
  /** What kind of visit, in words. */
  type?: string;
  status?: string;
}

export interface EncounterPickerPageModel {
  clientName: string;
  csrfToken: string;
  /** Where the form posts (the consent decision). */
  action: string;
  /** The root URLs or a tenant's (absent: the root). */
  site?: PageSite;
  /** The patient already chosen, carried as the `patient` field. */
  patient: string;
  hidden: Readonly<Record<string, string>>;
  /** The patient's encounters, most recent first. */
  encounters: readonly EncounterPickerEntry[];
  /** Shown after a visit that is not the patient's was sent, or none was chosen. */
  error?: string;
}

/**
 * Chooses the encounter of a standalone launch that asked for `launch/encounter` (SMART App Launch 2.2,
 * `context-standalone-encounter`): each of the patient's visits is a radio button named `encounter`.
 */
export function renderEncounterPickerPage(model: EncounterPickerPageModel): string {
  return layout(
    'Choose a visit',
    html`<h1>Choose the visit ${model.clientName} will work with</h1>
${model.error ? html`<p class="error" role="alert">${model.error}</p>` : ''}
<form method="post" action="${model.action}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<input type="hidden" name="patient" value="${model.patient}">
${Object.entries(model.hidden).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">
`)}

<fieldset>
<legend>Visits, most recent first</legend>
${model.encounters.map((encounter, i) => {
  const id = `encounter-${i}`;
  const details = [encounter.date !== undefined ? readableDateTime(encounter.date) : 'date unknown', encounter.type, encounter.status].filter((d): d is string => d !== undefined);
  return html`<label class="choice" for="${id}"><input type="radio" id="${id}" name="encounter" value="${encounter.id}" required> <span>${details.join(' · ')} <code>${encounter.id}</code></span></label>
`;
})}
</fieldset>
<button type="submit" class="primary" name="encounter_action" value="choose">Continue</button>
</form>`,
    model.site,
  );
}
