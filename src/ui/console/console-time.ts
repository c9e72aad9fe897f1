import { html, type SafeHtml } from '../html.ts';
import { utcMinute } from '../readable-time.ts';

/** A point in time as the console shows it: to the minute in UTC, machine-readable in `datetime`. */
export function consoleTime(date: Date): SafeHtml {
  return html`<time datetime="${date.toISOString()}">${utcMinute(date)}</time>`;
}
