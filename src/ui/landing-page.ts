import { html } from './html.ts';
import { layout } from './layout.ts';
import type { PageSite } from './page-site.ts';

/** One place the landing page points to. */
export interface LandingLink {
  label: string;
  href: string;
  /** What a visitor finds there. */
  description: string;
}

/** A sign-in of the sandbox's demo data (sandbox mode only: their passwords are published). */
export interface LandingDemoUser {
  email: string;
  password: string;
  fhirUser: string;
  /** Where they sign in: the tenant's pages, when not the root's. */
  signInUrl: string;
  tenant?: string;
}

/** The sandbox administrator's sign-in, for the admin console. */
export interface LandingDemoAdmin {
  email: string;
  password: string;
  consoleUrl: string;
}

export interface LandingDemoClient {
  id: string;
  kind: string;
  secret?: string;
}

/** What `GET /` tells a visitor (HTML) or a program (`Accept: application/json`): the same facts. */
export interface LandingModel {
  product: 'Portico';
  mode: 'sandbox' | 'production';
  /** This issuer (the root's or a tenant's) and its FHIR base. */
  issuer: string;
  fhirBaseUrl: string;
  /** The tenant these URLs belong to, when not the default one. */
  tenant?: { id: string; name: string };
  links: readonly LandingLink[];
  /** Sandbox mode with demo data: its users and clients. */
  demo?: { users: readonly LandingDemoUser[]; clients: readonly LandingDemoClient[]; admin?: LandingDemoAdmin };
}

/**
 * The front door: what this server is, where its FHIR API, discovery documents and pages are, and in sandbox mode
 * the demo sign-ins and clients to try it with.
 */
export function renderLandingPage(model: LandingModel, site: PageSite): string {
  const where = model.tenant ? html` for <strong>${model.tenant.name}</strong>` : '';
  return layout(
    model.tenant ? model.tenant.name : 'Welcome',
    html`<h1>Portico${model.tenant ? html` · ${model.tenant.name}` : ''}</h1>
<p>A SMART on FHIR server${where}: an OAuth 2.0 and OpenID Connect authorization server (SMART App Launch 2.2, Backend Services) in front of a FHIR R4 API with Bulk Data export.${
      model.mode === 'sandbox' ? html` <strong>Sandbox mode:</strong> demo data and published demo credentials; never for real patients.` : ''
    }</p>
<dl>
<dt>Issuer</dt><dd><code>${model.issuer}</code></dd>
<dt>FHIR base</dt><dd><code>${model.fhirBaseUrl}</code></dd>
</dl>
<h2>Where to go</h2>
<ul class="links">
${model.links.map((link) => html`<li><a href="${link.href}">${link.label}</a> — ${link.description}</li>
`)}</ul>
${model.demo ? demoSection(model.demo) : ''}`,
    site,
    'wide',
  );
}

function demoSection(demo: NonNullable<LandingModel['demo']>) {
  return html`<h2>Try it: demo sign-ins</h2>
<ul class="cards">
${demo.users.map((user) => html`<li class="card"><a href="${user.signInUrl}">${user.email}</a>${user.tenant ? html` <span class="badge">${user.tenant}</span>` : ''}
<dl><dt>Password</dt><dd><code>${user.password}</code></dd><dt>Signs in as</dt><dd><code>${user.fhirUser}</code></dd></dl></li>
`)}</ul>
${demo.admin ? html`<h2>Admin console</h2>
<ul class="cards"><li class="card"><a href="${demo.admin.consoleUrl}">${demo.admin.email}</a>
<dl><dt>Password</dt><dd><code>${demo.admin.password}</code></dd><dt>Role</dt><dd>admin: apps, users, policies, keys, sessions, exports, audit log</dd></dl></li></ul>` : ''}
<h2>Demo clients</h2>
<ul class="cards">
${demo.clients.map((client) => html`<li class="card"><code>${client.id}</code>
<dl><dt>Kind</dt><dd>${client.kind}</dd>${client.secret ? html`<dt>Secret</dt><dd><code>${client.secret}</code></dd>` : ''}</dl></li>
`)}</ul>`;
}
