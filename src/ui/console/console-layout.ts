import { ENDPOINTS } from '../../endpoints.ts';
import { html, type SafeHtml } from '../html.ts';
import { layout } from '../layout.ts';
import { pagePath, type PageSite } from '../page-site.ts';
import { CONSOLE_PATHS, CONSOLE_SECTIONS, type ConsoleSectionId } from './console-paths.ts';

/** What every console page shows around its own content: who is signed in, over what, and the sections. */
export interface ConsoleFrame {
  site?: PageSite;
  /** The section the page belongs to (marked current in the navigation); none for the second-factor pages. */
  section?: ConsoleSectionId;
  adminName: string;
  /** What this administrator runs: "every tenant" at the root, the tenant's id at a tenant. */
  scope: string;
  /** For the sign-out form. */
  csrfToken: string;
  /** The page loads the copy buttons' script (a secret or a link shown once). */
  copyButtons?: boolean;
  /** Hide the navigation (before the second factor is presented). */
  bare?: boolean;
}

/** A console page: the site's frame (full width, for its tables), the console's bar and navigation, then `body` (which starts with its h1). */
export function consoleLayout(title: string, body: SafeHtml, frame: ConsoleFrame): string {
  const site = frame.site;
  return layout(
    title,
    html`<div class="console-bar"><span><strong>Admin console</strong> · ${frame.scope}</span>
<span class="console-who">Signed in as ${frame.adminName}${frame.bare ? '' : html` · <a href="${pagePath(site, CONSOLE_PATHS.secondFactor)}">Second factor</a>`}</span>
<form method="post" action="${pagePath(site, ENDPOINTS.logout.path)}" class="inline-form"><input type="hidden" name="csrf_token" value="${frame.csrfToken}"><button type="submit" class="link-button">Sign out</button></form></div>
${frame.bare ? '' : consoleNav(site, frame.section)}
${body}`,
    site,
    'full',
    frame.copyButtons ? { copyButtons: true } : {},
  );
}

function consoleNav(site: PageSite | undefined, current: ConsoleSectionId | undefined): SafeHtml {
  return html`<nav class="console-nav" aria-label="Console sections"><ul>${CONSOLE_SECTIONS.map(
    (section) => html`<li><a href="${pagePath(site, section.path)}"${section.id === current ? html` aria-current="page"` : ''}>${section.label}</a></li>`,
  )}</ul></nav>`;
}
