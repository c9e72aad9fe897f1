import { html, type SafeHtml } from './html.ts';

/** One scope as a page lists it: what it lets the app do, in plain words, and the scope string itself. */
export interface ScopeLine {
  /** The scope string: what a checkbox sends, shown as code beside the label. */
  scope: string;
  /** What the scope lets the app do, in plain words. */
  label: string;
}

/** The label, then the scope string as code: every page lists scopes this way. */
export function scopeText(line: ScopeLine): SafeHtml {
  return html`<span>${line.label} <code>${line.scope}</code></span>`;
}
