import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { confirmation, type ConfirmationModel } from './console-parts.ts';

/** Asks before a destructive action (suspend, rotate, revoke, end, delete, cancel): its own page, inside the console. */
export function renderConfirmPage(frame: ConsoleFrame, model: Omit<ConfirmationModel, 'csrfToken'>): string {
  return consoleLayout(model.title, confirmation({ ...model, csrfToken: frame.csrfToken }), frame);
}
