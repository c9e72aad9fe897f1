import { html, type SafeHtml } from './html.ts';
import { layout } from './layout.ts';
import type { PageSite } from './page-site.ts';

/** One copyable example: a shell command for this server. */
export interface DocsExample {
  /** The element id the copy button names (`data-copy="#id"`). */
  id: string;
  title: string;
  code: string;
}

/** One part of the page: a flow or an endpoint, what it does, and its examples. */
export interface DocsSection {
  id: string;
  title: string;
  intro: string;
  examples: readonly DocsExample[];
}

/** What `GET /docs` shows: where things are, every flow with this server's URLs, the scopes. */
export interface DocsModel {
  mode: 'sandbox' | 'production';
  /** Discovery, the CapabilityStatement, JWKS, the FHIR base, the OpenAPI document. */
  gettingStarted: readonly { label: string; href: string; description: string }[];
  sections: readonly DocsSection[];
  /** As discovery publishes them (`scopes_supported`). */
  scopes: readonly string[];
  openApiUrl: string;
}

/**
 * The API documentation: an in-page table of contents, then getting started, each flow and endpoint with copyable
 * examples (a copy button per example, wired by the copy-button script where the page allows it), and the scopes.
 */
export function renderDocsPage(model: DocsModel, site: PageSite): string {
  const toc = [{ id: 'getting-started', title: 'Getting started' }, ...model.sections, { id: 'scopes', title: 'Scopes supported' }];
  return layout(
    'API docs',
    html`<h1>API docs</h1>
<p>Every endpoint of this server with examples you can copy and run${
      model.mode === 'sandbox' ? html` (sandbox mode: the examples use the published demo clients)` : html` (replace the <code>$…</code> placeholders with your own credentials)`
    }. The machine-readable description is the <a href="${model.openApiUrl}">OpenAPI 3.1 document</a>.</p>
<nav aria-labelledby="toc-title" class="toc">
<h2 id="toc-title">Contents</h2>
<ol>
${toc.map((entry) => html`<li><a href="#${entry.id}">${entry.title}</a></li>
`)}</ol>
</nav>
<section aria-labelledby="getting-started">
<h2 id="getting-started">Getting started</h2>
<ul class="links">
${model.gettingStarted.map((link) => html`<li><a href="${link.href}">${link.label}</a> — ${link.description}</li>
`)}</ul>
</section>
${model.sections.map(section)}
<section aria-labelledby="scopes">
<h2 id="scopes">Scopes supported</h2>
<p>As discovery publishes them (<code>scopes_supported</code>); per-type and granular scopes (<code>patient/Observation.rs?category=laboratory</code>) are accepted too.</p>
<ul class="scope-list">
${model.scopes.map((scope) => html`<li><code>${scope}</code></li>
`)}</ul>
</section>`,
    site,
    'wide',
    { copyButtons: true },
  );
}

function section(entry: DocsSection): SafeHtml {
  return html`<section aria-labelledby="${entry.id}">
<h2 id="${entry.id}">${entry.title}</h2>
<p>${entry.intro}</p>
${entry.examples.map(
  (example) => html`<div class="example">
<h3 id="${example.id}-title">${example.title}</h3>
<pre tabindex="0" aria-labelledby="${example.id}-title"><code id="${example.id}">${example.code}</code></pre>
<button type="button" class="copy-button" data-copy="#${example.id}">Copy</button>
</div>
`,
)}</section>
`;
}
