import type { Config } from '../config.ts';
import { createConsoleApps } from '../auth/console/console-apps.ts';
import { dashboardFacts } from '../auth/console/dashboard.ts';
import type { ConsoleOptions } from '../http/ui/console/console-context.ts';
import type { AuthWing } from './auth-wing.ts';
import { createAuditLog } from '../storage/audit/audit-log-store.ts';
import { storageTenant } from '../storage/tenant-key.ts';
import type { Runtime } from './runtime.ts';
import type { StorageWing } from './storage-wing.ts';

/**
 * The admin console of the root URLs (`tenant` undefined: the whole deployment, through the admin API's unscoped
 * services) or of one tenant (its admin API's services, scoped to it).
 */
export function consoleOptions(_config: Config, auth: AuthWing, tenant: string | undefined, { now }: Runtime, storage: Pick<StorageWing, 'db'>): ConsoleOptions {
  const registry = tenant === undefined ? auth.admin : auth.tenantAdmin(tenant);
  return {
    tenant,
    registry,
    dashboard: {
      facts: () => dashboardFacts({ registry, keys: () => auth.signingKeys.list(), everyTenant: tenant === undefined }),
      now,
    },
    apps: createConsoleApps({
      registry,
      search: auth.auth.clientSearch,
      tenant,
      grants: auth.grants,
      securityAudit: (t) => auth.securityAuditAt(t),
      // Read on the FHIR pool (its statement timeout), as the account history's are: never the auth pool's work.
      auditLog: (t) => createAuditLog(storage.db, { tenant: storageTenant(t) }),
      now,
    }),
  };
}
