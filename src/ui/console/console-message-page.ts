import { html } from '../html.ts';
import { consoleLayout, type ConsoleFrame } from './console-layout.ts';

/** A short message inside the console (not found, refused), with the navigation to go on. */
export function consoleMessagePage(frame: ConsoleFrame, title: string, message: string): string {
  return consoleLayout(title, html`<h1>${title}</h1>
<p>${message}</p>`, frame);
}
