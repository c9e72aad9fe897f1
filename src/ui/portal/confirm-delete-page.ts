import { html } from '../html.ts';
import { layout } from '../layout.ts';
import { pagePath, type PageSite } from '../page-site.ts';
import { appPath } from './portal-paths.ts';

export interface ConfirmDeletePageModel {
  csrfToken: string;
  appId: string;
  appName: string;
  site?: PageSite;
}

/** Asks before deleting an app (no script to ask with): the form says `confirm=yes`. */
export function renderConfirmDeletePage(model: ConfirmDeletePageModel): string {
  return layout(
    `Delete ${model.appName}?`,
    html`<h1>Delete ${model.appName}?</h1>
<p class="warning">Its client_id stops working at once, with every token issued to it. This cannot be undone.</p>
<form method="post" action="${pagePath(model.site, appPath(model.appId, 'delete'))}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<input type="hidden" name="confirm" value="yes">
<button type="submit" class="primary">Delete app</button>
</form>
<p><a href="${pagePath(model.site, appPath(model.appId))}">Keep it</a></p>`,
    model.site,
  );
}
