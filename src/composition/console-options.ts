import type { Config } from '../config.ts';
import { createConsoleAudit } from '../auth/console/console-audit.ts';
import { dashboardFacts } from '../auth/console/dashboard.ts';
import type { ConsoleOptions } from '../http/ui/console/console-context.ts';
import { createConsoleTrailStore } from '../storage/audit/console-trail-store.ts';
import { createConsoleCountsStore } from '../storage/auth/console-counts-store.ts';
import type { AuthWing } from './auth-wing.ts';
import type { Runtime } from './runtime.ts';
import type { StorageWing } from './storage-wing.ts';

/**
 * The admin console of the root URLs (`tenant` undefined: the whole deployment, through the admin API's unscoped
 * services) or of one tenant (its admin API's services, scoped to it).
 */
export function consoleOptions(_config: Config, auth: AuthWing, tenant: string | undefined, { now }: Runtime, storage: StorageWing): ConsoleOptions {
  const registry = tenant === undefined ? auth.admin : auth.tenantAdmin(tenant);
  // The trail is read on the FHIR pool (its statement timeout), as the account history reads it.
  const audit = createConsoleAudit(createConsoleTrailStore(storage.db), { tenant });
  const counts = createConsoleCountsStore(storage.authDb);
  return {
    tenant,
    registry,
    dashboard: {
      facts: () => dashboardFacts({ registry, keys: () => auth.signingKeys.list(), tenant, counts, audit, now }),
      now,
    },
    audit,
  };
}
