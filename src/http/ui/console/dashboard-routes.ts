import type { FastifyInstance } from 'fastify';
import { CLIENT_STATUSES } from '../../../auth/clients/client-repository.ts';
import type { DashboardFacts } from '../../../auth/console/dashboard.ts';
import { renderDashboardPage } from '../../../ui/console/dashboard-page.ts';
import { CONSOLE_PATHS } from '../../../ui/console/console-paths.ts';
import { auditRowView } from './audit-view.ts';
import type { ConsoleContext } from './console-context.ts';

export interface DashboardDeps {
  facts: () => Promise<DashboardFacts>;
  now: () => Date;
}

/** GET /admin: the dashboard. */
export function dashboardRoutes(app: FastifyInstance, ctx: ConsoleContext): void {
  app.get(CONSOLE_PATHS.home, async (request, reply) => {
    const admin = await ctx.admitted(request, reply);
    if (!admin) return reply;
    const deps = ctx.options.dashboard;
    const facts = await deps.facts();
    const everyTenant = admin.tenant === undefined;
    const view = {
      ...facts,
      appsByStatus: CLIENT_STATUSES.map((status) => ({ status, count: facts.appsByStatus[status] })),
      refused: facts.refused.map((e) => auditRowView(e, everyTenant)),
      securityEvents: facts.securityEvents.map((e) => auditRowView(e, everyTenant)),
      everyTenant,
    };
    return ctx.page(reply, 200, renderDashboardPage({ frame: ctx.frame(request, reply, admin, 'dashboard'), facts: view, now: deps.now() }));
  });
}
