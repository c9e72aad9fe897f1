import type { SecurityAudit } from '../audit/security-audit.ts';
import { grantRevokedByAdministrator, sessionEndedByAdministrator } from '../audit/console-events.ts';
import { adminActor } from '../audit/registry-events.ts';
import type { GrantStore, UserGrant } from '../grants/grant-store.ts';
import { grantTenant } from '../grants/grant.ts';
import type { ListPage, SessionSettings, SessionStore, UserSession } from '../sessions/session.ts';
import { boundTo, isUserOf } from '../tenants/tenant-scope.ts';
import { DEFAULT_TENANT } from '../tenants/tenant.ts';
import type { UserRepository } from '../users/user.ts';
import type { ConsoleAdmin } from './console-admission.ts';

/** Whose sessions and grants the list shows: a User (id or email), an app (client_id). */
export interface ActivityFilter {
  user?: string;
  clientId?: string;
}

/**
 * The console's sessions and grants: who is signed in, which apps hold access, and ending either. A tenant's console
 * sees its own Users' sessions and the grants made at its issuer; the root's, every tenant's. Every ending is
 * recorded on the tenant's security trail before the page answers.
 */
export interface ConsoleSessions {
  sessions(filter: ActivityFilter, page: ListPage): Promise<{ total: number; sessions: UserSession[] }>;
  grants(filter: ActivityFilter, page: ListPage): Promise<{ total: number; grants: UserGrant[] }>;
  /** False when there is no such standing grant here. Every token of the grant stops working at once. */
  revokeGrant(admin: ConsoleAdmin, grantId: string): Promise<boolean>;
  /** False when there is no such live session here. That browser is signed out at once. */
  endSession(admin: ConsoleAdmin, idHash: string): Promise<boolean>;
}

export interface ConsoleSessionsDeps {
  /** Undefined: the root's console, over every tenant. */
  tenant: string | undefined;
  /** The grant store behind the FHIR API's check (its status cache), so that this process sees the revocation at once. */
  grants: GrantStore;
  sessions: SessionStore;
  /** Every User, whichever tenant. */
  users: Pick<UserRepository, 'get'>;
  settings: SessionSettings;
  /** The security trail of a tenant (the grant's, the session's User's). */
  auditAt(tenantId: string): SecurityAudit;
  now: () => Date;
}

export function createConsoleSessions(deps: ConsoleSessionsDeps): ConsoleSessions {
  const { tenant } = deps;
  // Users of the default tenant have no meta._tenant (stored as ''), or name it.
  const userTenants = tenant === undefined ? undefined : tenant === DEFAULT_TENANT ? ['', DEFAULT_TENANT] : [tenant];
  return {
    async sessions(filter, page) {
      const at = deps.now();
      const idleCutoff = new Date(at.getTime() - deps.settings.idleTimeoutSeconds * 1000);
      return deps.sessions.listLive({ ...(userTenants ? { userTenants } : {}), ...(filter.user !== undefined ? { user: filter.user } : {}) }, at, idleCutoff, page);
    },

    async grants(filter, page) {
      return deps.grants.listActive(
        { ...(tenant !== undefined ? { tenant } : {}), ...(filter.user !== undefined ? { user: filter.user } : {}), ...(filter.clientId !== undefined ? { clientId: filter.clientId } : {}) },
        deps.now(),
        page,
      );
    },

    async revokeGrant(admin, grantId) {
      const stored = await deps.grants.get(grantId);
      if (!stored || stored.revoked || !stored.grant.clientId) return false;
      const madeAt = grantTenant(stored.grant);
      if (tenant !== undefined && madeAt !== tenant) return false;
      await deps.grants.revoke(grantId, deps.now());
      const { grant } = stored;
      const audit = deps.auditAt(madeAt);
      await audit.record(grantRevokedByAdministrator(audit.site, adminActor(admin.caller), { id: grant.id, clientId: grant.clientId, ...(grant.userId !== undefined ? { userId: grant.userId } : {}) }));
      return true;
    },

    async endSession(admin, idHash) {
      const session = await deps.sessions.get(idHash);
      if (!session) return false;
      const user = await deps.users.get(session.userId);
      if (!user || (tenant !== undefined && !isUserOf(user, tenant))) return false;
      if (!(await deps.sessions.delete(idHash))) return false;
      const audit = deps.auditAt(boundTo(user) ?? DEFAULT_TENANT);
      await audit.record(sessionEndedByAdministrator(audit.site, adminActor(admin.caller), user.id));
      return true;
    },
  };
}
