import type { Config } from '../config.ts';
import { createConsoleExports } from '../auth/console/console-exports.ts';
import { createConsoleKeys } from '../auth/console/console-keys.ts';
import { createConsoleSessions } from '../auth/console/console-sessions.ts';
import { dashboardFacts } from '../auth/console/dashboard.ts';
import type { ConsoleOptions } from '../http/ui/console/console-context.ts';
import { createSessionStore } from '../storage/auth/session-store.ts';
import { tenantOfStorage } from '../storage/tenant-key.ts';
import type { AuthWing } from './auth-wing.ts';
import type { BulkWing } from './bulk-wing.ts';
import type { Runtime } from './runtime.ts';
import type { StorageWing } from './storage-wing.ts';

/** The other wings the console's sections read: the session table (auth pool), the bulk export jobs. */
export interface ConsoleWings {
  storage: StorageWing;
  bulk: BulkWing;
}

/**
 * The admin console of the root URLs (`tenant` undefined: the whole deployment, through the admin API's unscoped
 * services) or of one tenant (its admin API's services, scoped to it).
 */
export function consoleOptions(config: Config, auth: AuthWing, tenant: string | undefined, { now }: Runtime, { storage, bulk }: ConsoleWings): ConsoleOptions {
  const registry = tenant === undefined ? auth.admin : auth.tenantAdmin(tenant);
  return {
    tenant,
    registry,
    dashboard: {
      facts: () => dashboardFacts({ registry, keys: () => auth.signingKeys.list(), everyTenant: tenant === undefined }),
      now,
    },
    ops: {
      keys: createConsoleKeys({ keys: auth.signingKeys, retireAfterDays: config.signingKeys.retireAfterDays, audit: auth.registryAudit }),
      sessions: createConsoleSessions({
        tenant,
        grants: auth.grants,
        sessions: createSessionStore(storage.authDb),
        users: auth.auth.users,
        settings: { idleTimeoutSeconds: config.sessions.idleTimeout, maxLifetimeSeconds: config.sessions.maxLifetime },
        auditAt: auth.securityAuditAt,
        now,
      }),
      exports: createConsoleExports({ store: bulk.consoleStore(tenant), tenantOf: tenantOfStorage, auditAt: auth.securityAuditAt, now }),
      now,
    },
  };
}
