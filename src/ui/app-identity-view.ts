import { html, type SafeHtml } from './html.ts';

/** An app as a page shows it: its name, and what it says of itself (logo, organisation, policy, terms). */
export interface AppIdentityView {
  name: string;
  /** http(s); only for an app an administrator made or reviewed. */
  logo?: string;
  organisation?: { name: string; url?: string };
  policyUrl?: string;
  termsUrl?: string;
}

/** The app's logo and name, its organisation, and links to its privacy policy and terms of use. */
export function appIdentityBlock(app: AppIdentityView): SafeHtml {
  const links = [
    app.policyUrl ? html`<a href="${app.policyUrl}" rel="noopener noreferrer">Privacy policy of ${app.name}</a>` : '',
    app.termsUrl ? html`<a href="${app.termsUrl}" rel="noopener noreferrer">Terms of use of ${app.name}</a>` : '',
  ].filter((link) => link !== '');
  return html`<div class="app-identity">${app.logo ? html`<img src="${app.logo}" alt="" width="48" height="48">` : ''}<div><strong>${app.name}</strong>${
    app.organisation
      ? html`<br><span class="muted">by ${app.organisation.url ? html`<a href="${app.organisation.url}" rel="noopener noreferrer">${app.organisation.name}</a>` : app.organisation.name}</span>`
      : ''
  }</div></div>
${links.length > 0 ? html`<p class="app-links">${links}</p>` : ''}`;
}
