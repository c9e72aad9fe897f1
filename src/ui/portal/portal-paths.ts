import { ENDPOINTS } from '../../endpoints.ts';

const PORTAL = ENDPOINTS.portal.path;

/** The developer portal's pages and form targets, below ENDPOINTS.portal. */
export const PORTAL_PATHS = {
  home: PORTAL,
  signup: `${PORTAL}/signup`,
  apps: `${PORTAL}/apps`,
  newApp: `${PORTAL}/apps/new`,
  registrationToken: `${PORTAL}/registration-token`,
} as const;

/** One app's page, and the forms on it. */
export function appPath(id: string, action?: 'edit' | 'delete' | 'rotate-secret' | 'submit'): string {
  return `${PORTAL_PATHS.apps}/${encodeURIComponent(id)}${action ? `/${action}` : ''}`;
}
