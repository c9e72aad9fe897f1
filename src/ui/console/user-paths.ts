import { CONSOLE_PATHS } from './console-paths.ts';

/** The Users section's pages and forms, below /admin/users. */
export const USER_PATHS = {
  list: CONSOLE_PATHS.users,
  create: `${CONSOLE_PATHS.users}/new`,
} as const;

/** What one User's forms post to (ids are the admin API's: URL-safe already, encoded all the same). */
export type UserAction = 'link' | 'unlock' | 'deactivate' | 'reactivate' | 'delete' | 'fhir-user';

/** A User's page (`action` absent; its edit form posts there too), or one of its forms. */
export function userPath(id: string, action?: UserAction): string {
  return `${CONSOLE_PATHS.users}/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
}
