import { ENDPOINTS } from '../../endpoints.ts';

const BASE = ENDPOINTS.console.path;

/** The admin console's pages, below /admin (and below /t/{tenant}/admin at a tenant). */
export const CONSOLE_PATHS = {
  home: BASE,
  apps: `${BASE}/apps`,
  users: `${BASE}/users`,
  identityProviders: `${BASE}/identity-providers`,
  policies: `${BASE}/policies`,
  keys: `${BASE}/keys`,
  sessions: `${BASE}/sessions`,
  exports: `${BASE}/exports`,
  audit: `${BASE}/audit`,
  /** Enrolling and presenting the administrator's second factor (TOTP). */
  secondFactor: `${BASE}/second-factor`,
} as const;

/** The console's sections, in the order the navigation shows them: one table, read by the pages and the routes. */
export const CONSOLE_SECTIONS = [
  { id: 'dashboard', label: 'Dashboard', path: CONSOLE_PATHS.home },
  { id: 'apps', label: 'Apps', path: CONSOLE_PATHS.apps },
  { id: 'users', label: 'Users', path: CONSOLE_PATHS.users },
  { id: 'identity-providers', label: 'Identity providers', path: CONSOLE_PATHS.identityProviders },
  { id: 'policies', label: 'Access policies', path: CONSOLE_PATHS.policies },
  { id: 'keys', label: 'Keys', path: CONSOLE_PATHS.keys },
  { id: 'sessions', label: 'Sessions and grants', path: CONSOLE_PATHS.sessions },
  { id: 'exports', label: 'Bulk exports', path: CONSOLE_PATHS.exports },
  { id: 'audit', label: 'Audit log', path: CONSOLE_PATHS.audit },
] as const;

export type ConsoleSectionId = (typeof CONSOLE_SECTIONS)[number]['id'];
