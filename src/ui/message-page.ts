import { html } from './html.ts';
import { layout } from './layout.ts';
import { ENDPOINTS } from '../endpoints.ts';
import { pagePath, type PageSite } from './page-site.ts';

export interface MessagePageModel {
  title: string;
  message: string;
  /** A local link to go on from here. */
  link?: { href: string; text: string };
  /** The root URLs or a tenant's (absent: the root). */
  site?: PageSite;
}

/** Errors and plain notices (a refused form, signed out). */
export function renderMessagePage(model: MessagePageModel): string {
  return layout(
    model.title,
    html`<h1>${model.title}</h1>
<p>${model.message}</p>
${model.link ? html`<p><a href="${model.link.href}">${model.link.text}</a></p>` : ''}`,
    model.site,
  );
}

export interface LogoutPageModel {
  userName: string;
  csrfToken: string;
  site?: PageSite;
}

/** Asks before signing out (a GET never signs anyone out). */
export function renderLogoutPage(model: LogoutPageModel): string {
  return layout(
    'Sign out',
    html`<h1>Sign out?</h1>
<p>You are signed in as <strong>${model.userName}</strong>.</p>
<form method="post" action="${pagePath(model.site, ENDPOINTS.logout.path)}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<button type="submit" class="primary">Sign out</button>
</form>`,
    model.site,
  );
}
