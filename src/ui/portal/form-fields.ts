import { html, type SafeHtml } from '../html.ts';

/** A field's problem under it, its id named by the field's aria-describedby. */
export function fieldError(field: string, message: string | undefined): SafeHtml | string {
  return message ? html`<p class="field-error" id="${field}-error">${message}</p>` : '';
}

/** aria-invalid and aria-describedby for a field with a problem (and its hint, if it has one). */
export function invalidAttributes(field: string, message: string | undefined, hint?: string): SafeHtml {
  const described = [...(hint ? [hint] : []), ...(message ? [`${field}-error`] : [])].join(' ');
  return html`${message ? html` aria-invalid="true"` : ''}${described ? html` aria-describedby="${described}"` : ''}`;
}

/** A copy button for the element with this id (the copy-button script; without it, the text stays selectable). */
export function copyButton(targetId: string, what: string): SafeHtml {
  return html`<button type="button" class="copy-button" data-copy="#${targetId}">Copy<span class="visually-hidden"> ${what}</span></button>`;
}
