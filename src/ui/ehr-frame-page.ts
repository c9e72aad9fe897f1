import { html } from './html.ts';
import { layout } from './layout.ts';
import type { PageSite } from './page-site.ts';

export interface EhrFramePageModel {
  site?: PageSite;
  appName: string;
  /** What the frame opens: the app's launch URI with `iss` (and `launch` for an EHR launch). */
  url: string;
  launchType: string;
  patient?: { id: string; name?: string; birthDate?: string; identifier?: string };
  encounter?: { id: string; label?: string };
  user: { name: string; fhirUser?: string };
  /** The error this launch simulates, when one. */
  sim?: string;
  launcherHref: string;
  inspectorHref: string;
}

/**
 * The EHR frame: a strip as an EHR shows it (the patient banner, the visit, who is signed in) above the app in an
 * iframe. The same URL is always offered in a new tab too: an app that refuses to be framed cannot be told apart
 * from one still loading, without a script.
 */
export function renderEhrFramePage(model: EhrFramePageModel): string {
  const { patient } = model;
  return layout(
    `${model.appName} in the EHR`,
    html`<h1 class="visually-hidden">${model.appName} in the EHR</h1>
<section class="ehr-banner" aria-label="Patient and user">
${
  patient
    ? html`<div class="ehr-patient"><strong>${patient.name ?? 'Unnamed patient'}</strong>
<span>${patient.birthDate ? html`Born <time datetime="${patient.birthDate}">${patient.birthDate}</time>` : 'Birth date unknown'}</span>
<span>${patient.identifier ? html`ID ${patient.identifier}` : html`Patient/${patient.id}`}</span>
${model.encounter ? html`<span>Encounter ${model.encounter.label ? html`${model.encounter.label} ` : ''}<code>${model.encounter.id}</code></span>` : ''}</div>`
    : html`<div class="ehr-patient"><strong>No patient in context</strong> <span>${model.launchType}</span></div>`
}
<div class="ehr-user">Signed in: <strong>${model.user.name}</strong>${model.user.fhirUser ? html` <code>${model.user.fhirUser}</code>` : ''}</div>
</section>
<p class="ehr-actions"><a href="${model.url}" target="_blank" rel="noopener">Open ${model.appName} in a new tab</a> <a href="${model.launcherHref}">Back to the launcher</a> <a href="${model.inspectorHref}">Token inspector</a>${model.sim ? html` <span class="badge">Simulating ${model.sim}</span>` : ''}</p>
<p class="muted">An app that refuses to be framed, or needs storage a browser denies to a framed site, works in a new tab.</p>
<iframe class="ehr-app" src="${model.url}" title="${model.appName}"></iframe>`,
    model.site,
    'wide',
  );
}
