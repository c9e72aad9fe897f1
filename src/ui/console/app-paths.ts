import { CONSOLE_PATHS } from './console-paths.ts';

/** What an app's console page posts to (each a CSRF-protected form). */
export type AppAction = 'edit' | 'review' | 'active' | 'rotate-secret';

/** One app's console page, or one of its forms' targets. */
export function consoleAppPath(id: string, action?: AppAction): string {
  return `${CONSOLE_PATHS.apps}/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
}

/** The form revoking one of an app's grants. */
export function consoleGrantRevokePath(id: string, grantId: string): string {
  return `${consoleAppPath(id)}/grants/${encodeURIComponent(grantId)}/revoke`;
}
