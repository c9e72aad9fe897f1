import type { Config } from '../config.ts';
import type { RegistryAudit } from '../auth/audit/registry-events.ts';
import { createFederatedSignIn, type FederatedSignIn } from '../auth/federation/federated-sign-in.ts';
import { createUpstreamClient } from '../auth/federation/upstream-client.ts';
import { createAddressGuard } from '../auth/outbound/address-guard.ts';
import { createGuardedFetch } from '../auth/outbound/guarded-fetch.ts';
import type { SessionService } from '../auth/sessions/session-service.ts';
import { federationCallbackUrl, tenantIssuer, ENDPOINTS } from '../endpoints.ts';
import { randomToken } from '../shared/random-token.ts';
import { createFederationStateStore } from '../storage/auth/federation-state-store.ts';
import type { AuthRegistry } from './auth-registry.ts';
import type { AuthTokens } from './auth-tokens.ts';
import type { PatientRecords } from './patient-records.ts';
import type { Runtime } from './runtime.ts';
import type { StorageWing } from './storage-wing.ts';

/** How long a person may take at their identity provider before the sign-in has to start again. */
export const FEDERATION_PENDING_SECONDS = 600;

/** Discovered upstream metadata (and the JWKS the library keeps with it) is reused this long. */
const METADATA_TTL_MS = 60 * 60 * 1000;

/**
 * Sign-in through tenants' identity providers: one OpenID client for the process, whose every request to an upstream
 * goes through the guarded fetch (the client-JWKS fetcher's address rules: loopback in sandbox mode, public addresses
 * otherwise); one FederatedSignIn per tenant, over its Users, records, sessions and trail.
 */
export function buildFederation(config: Config, storage: StorageWing, registry: AuthRegistry, issued: AuthTokens, registryAudit: RegistryAudit, { now }: Runtime) {
  const upstream = createUpstreamClient({
    fetch: createGuardedFetch({
      guard: createAddressGuard({ allowedAddresses: new Set(config.jwksFetch.allowedAddresses) }),
      allowHttp: config.jwksFetch.allowHttp,
      timeoutMs: config.jwksFetch.timeoutMs,
      maxBytes: 1024 * 1024,
    }),
    allowHttp: config.jwksFetch.allowHttp,
    secrets: registry.providerSecrets,
    signingKeys: issued.signingKeys,
    assertionAlg: config.signingKeys.accessTokenAlg,
    metadataTtlMs: METADATA_TTL_MS,
    nowMs: () => now().getTime(),
  });
  const pending = createFederationStateStore(storage.authDb);
  return (tenantId: string, sessions: SessionService, records: PatientRecords): FederatedSignIn =>
    createFederatedSignIn({
      tenant: tenantId,
      providers: registry.auth.identityProviders,
      users: registry.at(tenantId).users,
      allUsers: registry.auth.users,
      directory: records.fhirUsers,
      fhirBaseUrl: `${tenantIssuer(config.baseUrl, tenantId)}${ENDPOINTS.fhir.path}`,
      audit: registryAudit,
      tenantPasswordLogin: async () => (await registry.auth.tenants.get(tenantId))?.password_login !== false,
      upstream,
      pending,
      sessions,
      securityAudit: issued.securityAuditAt(tenantId),
      redirectUri: (providerId) => federationCallbackUrl(config.baseUrl, tenantId, providerId),
      now,
      newToken: () => randomToken(32),
      pendingLifetimeSeconds: FEDERATION_PENDING_SECONDS,
    });
}
