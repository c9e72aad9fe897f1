import { html, type HtmlValue, type SafeHtml } from '../html.ts';

/** One page of a list: which, how long, of how many. */
export interface PageWindow {
  /** 1-based. */
  page: number;
  pageSize: number;
  total: number;
}

/** Previous / next links and where in the list this page is; `href(n)` is page n's URL (its filters kept). */
export function pager(window: PageWindow, href: (page: number) => string, label = 'Pages'): SafeHtml {
  const pages = Math.max(1, Math.ceil(window.total / Math.max(1, window.pageSize)));
  const first = window.total === 0 ? 0 : (window.page - 1) * window.pageSize + 1;
  const last = Math.min(window.total, window.page * window.pageSize);
  return html`<nav class="pager" aria-label="${label}"><span>${window.total === 0 ? 'None' : html`${first}–${last} of ${window.total}`}</span>
${window.page > 1 ? html`<a href="${href(window.page - 1)}" rel="prev">Previous<span class="visually-hidden"> page</span></a>` : ''}
${window.page < pages ? html`<a href="${href(window.page + 1)}" rel="next">Next<span class="visually-hidden"> page</span></a>` : ''}</nav>`;
}

/**
 * A table that may be wider than a phone: it scrolls inside its own region, which the keyboard can reach
 * (WCAG 2.1.1), so the page itself never scrolls sideways.
 */
export function dataTable(caption: string, headings: readonly string[], rows: readonly (readonly HtmlValue[])[]): SafeHtml {
  return html`<div class="table-wrap" role="region" aria-label="${caption}" tabindex="0"><table>
<caption class="visually-hidden">${caption}</caption>
<thead><tr>${headings.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>${rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cell}</td>`)}</tr>`)}</tbody>
</table></div>`;
}

/** A notice after an action (role=status, so screen readers hear it). */
export function notice(text: string | undefined, kind: 'success' | 'error' = 'success'): SafeHtml | '' {
  if (!text) return '';
  return kind === 'success' ? html`<p class="success" role="status">${text}</p>` : html`<p class="error" role="alert">${text}</p>`;
}

/** A POST form of one button (and hidden fields) with the CSRF token: every console action is one. */
export function actionForm(action: string, csrfToken: string, label: string, options: { fields?: Record<string, string>; primary?: boolean; describedBy?: string } = {}): SafeHtml {
  return html`<form method="post" action="${action}" class="inline-form"><input type="hidden" name="csrf_token" value="${csrfToken}">${Object.entries(options.fields ?? {}).map(
    ([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`,
  )}<button type="submit"${options.primary ? html` class="primary"` : ''}${options.describedBy ? html` aria-describedby="${options.describedBy}"` : ''}>${label}</button></form>`;
}

export interface ConfirmationModel {
  title: string;
  /** What will happen, said plainly. */
  message: string;
  /** Where the confirmed form posts (with `confirm=yes`). */
  action: string;
  fields?: Record<string, string>;
  confirmLabel: string;
  /** Back without doing anything. */
  cancelHref: string;
  csrfToken: string;
}

/** The body of a page asking before a destructive action: a form that posts `confirm=yes`, and a way back. */
export function confirmation(model: ConfirmationModel): SafeHtml {
  return html`<h1>${model.title}</h1>
<p class="warning">${model.message}</p>
<form method="post" action="${model.action}">
<input type="hidden" name="csrf_token" value="${model.csrfToken}">
<input type="hidden" name="confirm" value="yes">
${Object.entries(model.fields ?? {}).map(([name, value]) => html`<input type="hidden" name="${name}" value="${value}">`)}
<button type="submit" class="primary danger">${model.confirmLabel}</button>
<a class="button-link" href="${model.cancelHref}">Cancel</a>
</form>`;
}
