import { consoleLayout, type ConsoleFrame } from './console-layout.ts';
import { confirmation, type ConfirmationModel } from './console-parts.ts';

/** Asks before an app's destructive action (suspend, rotate its secret, revoke a grant). */
export function renderAppConfirmPage(frame: ConsoleFrame, model: Omit<ConfirmationModel, 'csrfToken'>): string {
  return consoleLayout(model.title, confirmation({ ...model, csrfToken: frame.csrfToken }), frame);
}
