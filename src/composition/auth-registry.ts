import type { Config } from '../config.ts';
import type { AdminAccessDeps } from '../auth/admin/admin-access.ts';
import { createClientAuthThrottle, type ClientAuthThrottle } from '../auth/client-auth/client-auth-throttle.ts';
import type { Client } from '../auth/clients/client-repository.ts';
import { createClientSecrets, type ClientSecrets } from '../auth/clients/client-secret.ts';
import { resealClientSecrets } from '../auth/clients/reseal-client-secrets.ts';
import { forgetGrantStatusOnDeactivation } from '../auth/grants/forget-on-deactivation.ts';
import { cacheGrantStatus, type GrantStatusCache } from '../auth/grants/grant-status-cache.ts';
import { cacheRegistryReads, type CachedRegistryRepository } from '../auth/registry/cached-registry-reads.ts';
import { createSecretCipher } from '../auth/secrets/secret-cipher.ts';
import { createProviderSecrets, type ProviderSecrets } from '../auth/federation/provider-secret.ts';
import { createFailureThrottle } from '../auth/sessions/failure-throttle.ts';
import { accountKey, type LoginAttemptStore, type LoginThrottleSettings } from '../auth/sessions/login-throttle.ts';
import { clientsAt, globalPolicies, policiesAt, usersAt } from '../auth/tenants/tenant-scope.ts';
import { DEFAULT_TENANT } from '../auth/tenants/tenant.ts';
import { createAuthStores, type AuthStores } from '../storage/auth/auth-stores.ts';
import { createClientAttemptStore } from '../storage/auth/client-attempt-store.ts';
import { createClientSecretStore } from '../storage/auth/client-secret-store.ts';
import { createGrantStore } from '../storage/auth/grant-store.ts';
import { createLoginAttemptStore } from '../storage/auth/session-store.ts';
import type { Runtime } from './runtime.ts';
import type { StorageWing } from './storage-wing.ts';

export interface AuthRegistry {
  /** Client secrets at rest: encrypted under SECRETS_KEY (older keys: SECRETS_KEY_PREVIOUS). */
  clientSecrets: ClientSecrets;
  /** IdentityProviders' client secrets at rest, under the same keys. */
  providerSecrets: ProviderSecrets;
  /** How many secrets stored in clear text were encrypted at this start. */
  resealed: number;
  /**
   * Clients, Users, AccessPolicies and Tenants, every tenant's (what the admin API manages): Client reads cached,
   * deactivations forgetting the grants remembered as active.
   */
  auth: AuthStores;
  /** What one tenant knows of them: what sign-in, authorization, tokens and access decisions there read. */
  at(tenantId: string): TenantRegistry;
  /** The default tenant's view (every URL without /t/{tenant}). */
  here: TenantRegistry;
  /** The Client read cache, told of registrations once they commit. */
  clientReads: CachedRegistryRepository<Client>;
  /** Grants, with "is this grant active?" remembered briefly. */
  grants: GrantStatusCache;
  /** The Clients the admin API, the RPC and RFC 7592 read and write. */
  registryClients: AuthStores['clients'];
  clientAuthThrottle: ClientAuthThrottle;
  loginAttempts: LoginAttemptStore;
  loginSettings: LoginThrottleSettings;
  /** Who may call the admin API, the RPC and ask for initial access tokens (HTTP Basic). */
  adminAccess: AdminAccessDeps;
}

export type TenantRegistry = Pick<AuthStores, 'clients' | 'users' | 'policies'>;

/** The authorization server's registry: Clients (and their secrets), Users, AccessPolicies and grants, with their caches and throttles. */
export async function buildAuthRegistry(config: Config, storage: StorageWing, { now, newId, log }: Runtime): Promise<AuthRegistry> {
  const { authDb } = storage;
  const cipher = createSecretCipher({ key: Buffer.from(config.secrets.key, 'base64url'), previousKeys: config.secrets.previousKeys.map((k) => Buffer.from(k, 'base64url')) });
  const clientSecrets = createClientSecrets(
    cipher,
    {
      onUnreadable: (problem) =>
        log().error(
          { clientId: problem.clientId, reason: problem.reason, keyId: problem.keyId },
          `the secret of Client/${problem.clientId} cannot be decrypted: ${problem.message}. The client cannot authenticate with it until that key is configured again (SECRETS_KEY or SECRETS_KEY_PREVIOUS) or its secret is rotated`,
        ),
    },
  );
  // Secrets a version before their encryption stored in clear: encrypted in place, before anything reads them.
  const resealed = await resealClientSecrets(createClientSecretStore(authDb), clientSecrets, { rekey: false });
  const stores = createAuthStores(authDb, { now, newId });
  // "Is this grant active?" is asked on every FHIR request: remembered briefly (revocations here apply at once).
  const grants = cacheGrantStatus(createGrantStore(authDb), { activeTtlMs: config.tokens.grantStatusCacheMs, maxEntries: 100_000, nowMs: () => now().getTime() });
  // A Client is read on every token request; its answer is reused for CLIENT_CACHE_MS. Deactivating or deleting a
  // Client or User here forgets the grants remembered as active, whatever path the write takes.
  const clientReads = cacheRegistryReads(stores.clients, { ttlMs: config.clientCacheMs, maxEntries: 10_000, nowMs: () => now().getTime() });
  // Every request below /t/{tenant} asks whether its tenant exists and is active: remembered as Clients are.
  const tenants = cacheRegistryReads(stores.tenants, { ttlMs: config.clientCacheMs, maxEntries: 10_000, nowMs: () => now().getTime() });
  const auth = {
    ...stores,
    tenants,
    clients: forgetGrantStatusOnDeactivation(clientReads, grants),
    users: forgetGrantStatusOnDeactivation(stores.users, grants),
  };
  // The admin API, the RPC and RFC 7592 read the Client they authenticate or change from the database, so that
  // nothing written from a copy cached before another process's change undoes it (a deactivation, a rotated
  // secret); their writes still go through the cache (this process sees them at once) and forget grants.
  const registryClients: typeof auth.clients = { ...auth.clients, get: (id) => stores.clients.get(id) };
  // Wrong client secrets, counted per client_id wherever a secret is checked (token endpoint, admin API, RPC).
  const clientAuthThrottle = createClientAuthThrottle(
    createClientAttemptStore(authDb),
    { maxFailures: config.clientAuth.maxFailures, windowSeconds: config.clientAuth.failureWindow },
    now,
  );
  const loginAttempts = createLoginAttemptStore(authDb);
  const loginSettings = { maxFailures: config.login.maxFailures, addressMaxFailures: config.login.addressMaxFailures, windowSeconds: config.login.failureWindow };
  // The admin API, the RPC and initial access tokens span every tenant: only the default tenant's (and global)
  // Clients and Users authenticate there, and only global AccessPolicies grant anything (a tenant's policy never
  // reaches beyond its tenant).
  const adminAccess = {
    root: config.admin,
    clients: clientsAt(registryClients, DEFAULT_TENANT),
    policies: globalPolicies(auth.policies),
    users: usersAt(auth.users, DEFAULT_TENANT),
    secrets: clientSecrets,
    clientThrottle: clientAuthThrottle,
    // A developer's password over HTTP Basic counts against the account as at the sign-in page: one budget per password.
    accountThrottle: createFailureThrottle(loginAttempts, loginSettings, now, accountKey),
  };
  const at = (tenantId: string): TenantRegistry => ({
    clients: clientsAt(auth.clients, tenantId),
    users: usersAt(auth.users, tenantId),
    policies: policiesAt(auth.policies, tenantId),
  });
  return { clientSecrets, providerSecrets: createProviderSecrets(cipher), resealed: resealed.encrypted, auth, at, here: at(DEFAULT_TENANT), clientReads, grants, registryClients, clientAuthThrottle, loginAttempts, loginSettings, adminAccess };
}
