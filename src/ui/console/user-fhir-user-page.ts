import { html } from '../html.ts';
import { pagePath } from '../page-site.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { actionForm, dataTable, notice } from './console-parts.ts';
import { userPath } from './user-paths.ts';

/** A patient or practitioner found by the search. */
export interface FhirPersonChoice {
  /** `Patient/<id>` or `Practitioner/<id>`. */
  reference: string;
  kind: 'Patient' | 'Practitioner';
  name?: string;
  birthDate?: string;
}

export interface UserFhirUserPageModel {
  frame: ConsoleFrame;
  userId: string;
  userLabel: string;
  current?: string;
  /** What was searched; undefined before any search. */
  search?: { text: string; kind: 'any' | 'Patient' | 'Practitioner' };
  found: readonly FhirPersonChoice[];
  error?: string;
}

/** Links a User to the FHIR resource they are: search the tenant's patients and practitioners by name, pick one. */
export function renderUserFhirUserPage(model: UserFhirUserPageModel): string {
  const { frame } = model;
  const site = frame.site;
  const action = pagePath(site, userPath(model.userId, 'fhir-user'));
  const kind = model.search?.kind ?? 'any';
  const radio = (value: string, label: string) =>
    html`<label class="choice" for="kind-${value}"><input type="radio" id="kind-${value}" name="kind" value="${value}"${value === kind ? html` checked` : ''}> <span>${label}</span></label>`;
  return consoleLayout(
    `FHIR resource of ${model.userLabel}`,
    html`<p><a href="${pagePath(site, userPath(model.userId))}">Back to ${model.userLabel}</a></p>
<h1>FHIR resource of ${model.userLabel}</h1>
${notice(model.error, 'error')}
<p>Now: ${model.current ? html`<code>${model.current}</code>` : 'none'}.</p>
${model.current ? actionForm(action, frame.csrfToken, 'Unlink', { fields: { fhirUser: '' } }) : ''}
<form method="get" action="${action}" role="search" aria-label="Patients and practitioners">
<label for="q">Name or id</label>
<input id="q" name="q" type="text" value="${model.search?.text ?? ''}">
<fieldset><legend>Search</legend>${radio('any', 'Patients and practitioners')}${radio('Patient', 'Patients')}${radio('Practitioner', 'Practitioners')}</fieldset>
<button type="submit">Search</button>
</form>
${model.search === undefined
  ? ''
  : model.found.length === 0
    ? html`<p role="status">Nothing found.</p>`
    : dataTable(
        'Found',
        ['Link', 'Name', 'Reference'],
        model.found.map((choice) => [
          html`<form method="post" action="${action}" class="inline-form"><input type="hidden" name="csrf_token" value="${frame.csrfToken}"><input type="hidden" name="fhirUser" value="${choice.reference}"><button type="submit">Link<span class="visually-hidden"> ${choice.name ?? choice.reference}</span></button></form>`,
          choice.birthDate ? html`${choice.name ?? 'Unnamed'} · born ${choice.birthDate}` : (choice.name ?? 'Unnamed'),
          html`<code>${choice.reference}</code>`,
        ]),
      )}`,
    frame,
  );
}
