import type { FastifyInstance } from 'fastify';
import { crossSiteGuard } from '../cross-site-guard.ts';
import type { UiPluginOptions } from '../ui-plugin.ts';
import { appsRoutes } from './apps-routes.ts';
import { auditRoutes } from './audit-routes.ts';
import { consoleContext, type ConsoleContext, type ConsoleOptions } from './console-context.ts';
import { dashboardRoutes } from './dashboard-routes.ts';
import { exportsRoutes } from './exports-routes.ts';
import { identityProvidersRoutes } from './identity-providers-routes.ts';
import { keysRoutes } from './keys-routes.ts';
import { policiesRoutes } from './policies-routes.ts';
import { secondFactorRoutes } from './second-factor-routes.ts';
import { sessionsRoutes } from './sessions-routes.ts';
import { usersRoutes } from './users-routes.ts';

/** Each part of the console registers its own routes: one table, in the navigation's order (the second factor's pages last). */
const CONSOLE_ROUTES: readonly ((app: FastifyInstance, ctx: ConsoleContext) => void)[] = [
  dashboardRoutes,
  appsRoutes,
  usersRoutes,
  identityProvidersRoutes,
  policiesRoutes,
  keysRoutes,
  sessionsRoutes,
  exportsRoutes,
  auditRoutes,
  secondFactorRoutes,
];

/**
 * The admin console (/admin): server-rendered pages over the admin API's services, for signed-in administrators
 * (console-admission.ts). Every form is CSRF-protected and same-origin; every change is recorded by the service
 * that makes it, as the admin API's are.
 */
export function consoleRoutes(app: FastifyInstance, ui: UiPluginOptions, options: ConsoleOptions): void {
  const ctx = consoleContext(ui, options, { preHandler: [crossSiteGuard(ui.origin), app.csrfProtection] });
  for (const register of CONSOLE_ROUTES) register(app, ctx);
}
