import { randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import { createAccountLock } from '../auth/console/account-lock.ts';
import { createConsoleApps } from '../auth/console/console-apps.ts';
import { createConsoleAudit } from '../auth/console/console-audit.ts';
import { createConsoleExports } from '../auth/console/console-exports.ts';
import { createConsoleKeys } from '../auth/console/console-keys.ts';
import { createConsoleSessions } from '../auth/console/console-sessions.ts';
import { dashboardFacts } from '../auth/console/dashboard.ts';
import { createPasswordLinks } from '../auth/console/password-links.ts';
import { createSecondFactor, secondFactorKey } from '../auth/mfa/second-factor.ts';
import { createSecretCipher } from '../auth/secrets/secret-cipher.ts';
import { createFailureThrottle } from '../auth/sessions/failure-throttle.ts';
import { generateBearerToken } from '../auth/registration/bearer-token.ts';
import { DEFAULT_TENANT, ENDPOINTS, tenantIssuer } from '../endpoints.ts';
import type { ConsoleOptions } from '../http/ui/console/console-context.ts';
import { createAuditLog } from '../storage/audit/audit-log-store.ts';
import { createConsoleTrailStore } from '../storage/audit/console-trail-store.ts';
import { createConsoleCountsStore } from '../storage/auth/console-counts-store.ts';
import { createSessionStore } from '../storage/auth/session-store.ts';
import { storageTenant, tenantOfStorage } from '../storage/tenant-key.ts';
import type { BulkWing } from './bulk-wing.ts';
import { createPolicySubjectLoader } from '../auth/access/policy-subject.ts';
import type { PolicyTesterDeps } from '../auth/console/policy-tester.ts';
import { globalPolicies } from '../auth/tenants/tenant-scope.ts';
import type { AuthWing, TenantPages } from './auth-wing.ts';
import type { Runtime } from './runtime.ts';
import type { StorageWing } from './storage-wing.ts';

/** The other wings the console's sections read: the session table (auth pool), the bulk export jobs. */
export interface ConsoleWings {
  storage: StorageWing;
  bulk: BulkWing;
}

/** The roles the console offers as checkboxes: the ones Portico itself gives meaning to. */
const CONSOLE_ROLES = ['admin', 'developer', 'practitioner', 'patient'] as const;

/**
 * The admin console of the root URLs (`tenant` undefined: the whole deployment, through the admin API's unscoped
 * services) or of one tenant (its admin API's services, scoped to it).
 */
export function consoleOptions(config: Config, auth: AuthWing, tenant: string | undefined, { now }: Runtime, { storage, bulk }: ConsoleWings): ConsoleOptions {
  const registry = tenant === undefined ? auth.admin : auth.tenantAdmin(tenant);
  // The trail is read on the FHIR pool (its statement timeout), as the account history reads it.
  const audit = createConsoleAudit(createConsoleTrailStore(storage.db), { tenant });
  const counts = createConsoleCountsStore(storage.authDb);
  // Administrators' TOTP secrets are sealed under the client secrets' keys (SECRETS_KEY), for their User only.
  const cipher = createSecretCipher({ key: Buffer.from(config.secrets.key, 'base64url'), previousKeys: config.secrets.previousKeys.map((k) => Buffer.from(k, 'base64url')) });
  const secondFactor = createSecondFactor({
    store: auth.secondFactors,
    sessions: tenant === undefined ? auth.sessions : auth.signInAt(tenant).sessions,
    cipher,
    // Wrong codes count as wrong passwords do (LOGIN_MAX_FAILURES per LOGIN_FAILURE_WINDOW), under a key of their own.
    throttle: createFailureThrottle(auth.loginAttempts, auth.loginSettings, now, secondFactorKey),
    audit: auth.securityAuditAt(tenant ?? DEFAULT_TENANT),
    required: config.mode === 'production',
    issuer: tenant === undefined ? 'Portico' : `Portico (${tenant})`,
    now,
    randomBytes: (size) => randomBytes(size),
  });
  return {
    tenant,
    registry,
    secondFactor,
    dashboard: {
      facts: () => dashboardFacts({ registry, keys: () => auth.signingKeys.list(), tenant, counts, audit, now }),
      now,
    },
    audit,
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
    users: {
      search: auth.consoleUsers.search,
      links: createPasswordLinks({
        store: auth.consoleUsers.passwordLinks,
        registry,
        tenant: tenant ?? DEFAULT_TENANT,
        audit: auth.registryAudit,
        lifetimeSeconds: config.invitationLifetime,
        now,
        newToken: generateBearerToken,
      }),
      lock: createAccountLock({ attempts: auth.loginAttempts, settings: auth.loginSettings, audit: auth.registryAudit, now }),
      // The root's console reaches every tenant's Users: each is linked to its own tenant's records.
      directoryAt: (userTenant) => (userTenant === DEFAULT_TENANT ? auth.records : auth.pagesAt(userTenant).records).directory,
      linkUrl: (userTenant, token) => `${tenantIssuer(config.baseUrl, userTenant)}${ENDPOINTS.invitation.path}/${token}`,
      roles: CONSOLE_ROLES,
      pageSize: 20,
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
    policies: {
      tester: policyTester(auth, tenant),
      ...(tenant !== undefined ? { globalPolicies: () => globalPolicies(auth.auth.policies).all() } : {}),
      maxDepth: config.fhir.maxJsonDepth,
    },
    identityProviders: { maxDepth: config.fhir.maxJsonDepth },
  };
}

/** The tester sees what the FHIR API and the admin API of these URLs see: the same registry, policies and rules. */
function policyTester(auth: AuthWing, tenant: string | undefined): PolicyTesterDeps {
  const here = tenant === undefined ? auth.here : auth.at(tenant);
  // A tenant's pages are built once, when the tester first meets a RelatedPerson user there.
  let pages: TenantPages | undefined;
  return {
    clients: here.clients,
    users: here.users,
    policySubject: createPolicySubjectLoader(here),
    compartment: auth.authorize.compartment,
    resourceTypes: auth.authorize.resourceTypes ?? new Set(),
    relatedPatient: tenant === undefined ? auth.records.relatedPatient : (id) => (pages ??= auth.pagesAt(tenant)).records.relatedPatient(id),
    // As the tenant wing gives its admin API: its Users with the role admin, no policies.
    adminAccess: tenant === undefined ? auth.adminAccess : { ...auth.adminAccess, users: here.users, tenantAdministrators: true },
  };
}
