import type { FastifyInstance } from 'fastify';
import type { DashboardFacts } from '../../../auth/console/dashboard.ts';
import { renderDashboardPage } from '../../../ui/console/dashboard-page.ts';
import { CONSOLE_PATHS } from '../../../ui/console/console-paths.ts';
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
    return ctx.page(reply, 200, renderDashboardPage({ frame: ctx.frame(request, reply, admin, 'dashboard'), facts: await deps.facts(), now: deps.now() }));
  });
}
