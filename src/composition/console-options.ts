import type { Config } from '../config.ts';
import { dashboardFacts } from '../auth/console/dashboard.ts';
import type { ConsoleOptions } from '../http/ui/console/console-context.ts';
import type { AuthWing } from './auth-wing.ts';
import type { Runtime } from './runtime.ts';

/**
 * The admin console of the root URLs (`tenant` undefined: the whole deployment, through the admin API's unscoped
 * services) or of one tenant (its admin API's services, scoped to it).
 */
export function consoleOptions(_config: Config, auth: AuthWing, tenant: string | undefined, { now }: Runtime): ConsoleOptions {
  const registry = tenant === undefined ? auth.admin : auth.tenantAdmin(tenant);
  return {
    tenant,
    registry,
    dashboard: {
      facts: () => dashboardFacts({ registry, keys: () => auth.signingKeys.list(), everyTenant: tenant === undefined }),
      now,
    },
  };
}
