import { html, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import type { PageSite } from './page-site.ts';

export interface LauncherChoice {
  value: string;
  label: string;
  /** A second line, quieter (a user's FHIR identity, a patient's birth date). */
  detail?: string;
}

/** The form's values as sent (all strings, '' when absent). */
export interface LauncherValues {
  app: string;
  launchType: string;
  user: string;
  patient: string;
  encounter: string;
  sim: string;
  patientQuery: string;
}

export type LauncherFieldErrors = Partial<Record<'app' | 'launchType' | 'user' | 'patient' | 'encounter' | 'sim', string>>;

export interface LauncherPageModel {
  site?: PageSite;
  csrfToken: string;
  /** Where the form posts to be shown again (Search, Show encounters). */
  action: string;
  /** Where the Launch button posts. */
  launchAction: string;
  inspectorHref: string;
  apps: readonly LauncherChoice[];
  launchTypes: readonly LauncherChoice[];
  users: readonly LauncherChoice[];
  /** What Launch does about sign-in, in a sentence. */
  signInNote: string;
  patients: readonly LauncherChoice[];
  /** The chosen patient's encounters; undefined while no patient is chosen. */
  encounters?: readonly LauncherChoice[];
  /** Offered in sandbox mode only. */
  simulatedErrors?: readonly LauncherChoice[];
  values: LauncherValues;
  errors: LauncherFieldErrors;
}

const errorId = (field: string) => `${field}-error`;

function fieldError(field: string, message: string | undefined): SafeHtml | '' {
  return message ? html`<p class="error field-error" id="${errorId(field)}">${message}</p>` : '';
}

const describedBy = (field: string, message: string | undefined) => (message ? html` aria-describedby="${errorId(field)}"` : '');

function radios(name: string, choices: readonly LauncherChoice[], chosen: string): SafeHtml[] {
  return choices.map((choice, i) => {
    const id = `${name}-${i}`;
    return html`<label class="choice" for="${id}"><input type="radio" id="${id}" name="${name}" value="${choice.value}"${choice.value === chosen ? html` checked` : ''}> <span>${choice.label}${choice.detail ? html` <code>${choice.detail}</code>` : ''}</span></label>
`;
  });
}

function options(choices: readonly LauncherChoice[], chosen: string): SafeHtml[] {
  return choices.map((choice) => html`<option value="${choice.value}"${choice.value === chosen ? html` selected` : ''}>${choice.label}${choice.detail ? ` (${choice.detail})` : ''}</option>
`);
}

/**
 * The EHR launcher (no script): one form. Search and Show encounters post it back to be shown again with the
 * patients found and the chosen patient's encounters, keeping every other choice; Launch posts it to open the EHR
 * frame. Errors are per field, each tied to its control.
 */
export function renderLauncherPage(model: LauncherPageModel): string {
  const { values, errors } = model;
  const count = Object.values(errors).filter(Boolean).length;
  return layout(
    'EHR launcher',
    html`<h1>EHR launcher</h1>
<p>Open a SMART app as an EHR would: for a user, about a patient and visit, inside an EHR frame. <a href="${model.inspectorHref}">Token inspector</a></p>
${count > 0 ? html`<p class="error" role="alert">The launch needs ${count === 1 ? 'one correction' : `${count} corrections`}: see below.</p>` : ''}
<form method="post" action="${model.action}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">

<label for="app">App</label>
${fieldError('app', errors.app)}
<select id="app" name="app"${describedBy('app', errors.app)}>
<option value="">Choose an app</option>
${options(model.apps, values.app)}
</select>
${model.apps.length === 0 ? html`<p class="muted">No active app has a launch URI yet: register one with <code>smart.launch_uri</code>.</p>` : ''}

<fieldset${describedBy('launchType', errors.launchType)}>
<legend>Launch type</legend>
${fieldError('launchType', errors.launchType)}
${radios('launch_type', model.launchTypes, values.launchType)}
</fieldset>

<label for="user">User</label>
${fieldError('user', errors.user)}
<select id="user" name="user"${describedBy('user', errors.user)}>
${options(model.users, values.user)}
</select>
<p class="muted">${model.signInNote}</p>

<fieldset${describedBy('patient', errors.patient)}>
<legend>Patient</legend>
<p class="muted">For a practitioner's EHR launch; a patient's launch is about the user's own record.</p>
${fieldError('patient', errors.patient)}
<label for="patient_q">Find a patient by name or id</label>
<div class="search">
<input id="patient_q" name="patient_q" type="search" value="${values.patientQuery}" autocomplete="off">
<button type="submit" name="action" value="search">Search</button>
</div>
${model.patients.length === 0 ? html`<p>No patient matches. Try another name.</p>` : radios('patient', model.patients, values.patient)}
<button type="submit" name="action" value="encounters">Show encounters</button>
</fieldset>

<fieldset${describedBy('encounter', errors.encounter)}>
<legend>Encounter</legend>
${fieldError('encounter', errors.encounter)}
${radios('encounter', [{ value: '', label: 'None' }, ...(model.encounters ?? [])], values.encounter)}
${model.encounters === undefined ? html`<p class="muted">Choose a patient and Show encounters to pick one of their visits.</p>` : model.encounters.length === 0 ? html`<p class="muted">This patient has no encounters.</p>` : ''}
</fieldset>

${
  model.simulatedErrors
    ? html`<label for="sim">Simulated error</label>
<p class="muted">EHR launches only: the real endpoints fail that way for this launch.</p>
${fieldError('sim', errors.sim)}
<select id="sim" name="sim"${describedBy('sim', errors.sim)}>
<option value="">None</option>
${options(model.simulatedErrors, values.sim)}
</select>`
    : fieldError('sim', errors.sim)
}

<button type="submit" class="primary" formaction="${model.launchAction}" name="action" value="launch">Launch</button>
</form>`,
    model.site,
    'wide',
  );
}
