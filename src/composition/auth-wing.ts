import type { Config } from '../config.ts';
import { createAccessFactory, type AccessFactory } from '../auth/access/access-factory.ts';
import { createPolicySubjectLoader } from '../auth/access/policy-subject.ts';
import { createRegistryAdmin, type RegistryAdmin } from '../auth/admin/registry-admin.ts';
import { createRegistryAudit, type RegistryAudit } from '../auth/audit/registry-events.ts';
import type { AuthorizeDeps } from '../auth/authorize/authorize-step.ts';
import { createFhirAuthenticator, type FhirAuthenticator } from '../auth/bearer/fhir-authenticator.ts';
import { generateClientSecret } from '../auth/clients/client-secret.ts';
import { createAuthorizedApps, type AuthorizedApps } from '../auth/grants/authorized-apps.ts';
import { createAccountHistory, type AccountHistory } from '../auth/audit/account-history.ts';
import { verifyLaunchToken } from '../auth/launch/launch-token.ts';
import { generateBearerToken } from '../auth/registration/bearer-token.ts';
import { tellingCachesOnCommit } from '../auth/registration/committed-registration.ts';
import { createClientRegistration, type ClientRegistration } from '../auth/registration/registration-service.ts';
import { createDeveloperApps, type DeveloperApps } from '../auth/developer/developer-apps.ts';
import { GET_LAUNCH_URI, getLaunchUri } from '../auth/rpc/get-launch-uri.ts';
import type { RpcMethod } from '../auth/rpc/rpc-dispatch.ts';
import { SAVE_DEVELOPER_APPLICATION, saveDeveloperApplication } from '../auth/rpc/save-developer-application.ts';
import { createVerifiedTokenCache } from '../auth/tokens/verified-token-cache.ts';
import { createAuthStores } from '../storage/auth/auth-stores.ts';
import { createAccessHistoryStore } from '../storage/audit/access-history-store.ts';
import { createRegistrationStore } from '../storage/auth/registration-store.ts';
import { createTenantHoldings } from '../storage/auth/tenant-holdings.ts';
import { createPasswordLinkStore } from '../storage/auth/password-link-store.ts';
import { createUserSearchStore } from '../storage/auth/user-search-store.ts';
import type { PasswordLinkStore } from '../auth/console/password-links.ts';
import type { UserSearch } from '../auth/console/user-search.ts';
import { createSecondFactorStore } from '../storage/auth/second-factor-store.ts';
import type { SecondFactorStore } from '../auth/mfa/second-factor-store.ts';
import type { SessionService } from '../auth/sessions/session-service.ts';
import { DEFAULT_TENANT, ENDPOINTS, tenantIssuer } from '../endpoints.ts';
import { buildAuthRegistry, type AuthRegistry } from './auth-registry.ts';
import { identityProviderAdmin } from './identity-provider-admin.ts';
import { buildFederation } from './federation-wing.ts';
import type { FederatedSignIn } from '../auth/federation/federated-sign-in.ts';
import { buildAuthTokens, type AuthTokens } from './auth-tokens.ts';
import type { FhirWing } from './fhir-wing.ts';
import { buildPatientRecords, type PatientRecords } from './patient-records.ts';
import type { Runtime } from './runtime.ts';
import type { StorageWing } from './storage-wing.ts';

/** A verified access token is re-verified at least this often (its signing key's standing is asked on every use). */
export const VERIFIED_TOKEN_MAX_AGE_SECONDS = 300;

export interface AuthWing extends AuthRegistry, AuthTokens {
  records: PatientRecords;
  /** RFC 7591 registration and RFC 7592 management. */
  registration: ClientRegistration;
  /** The same at a tenant's issuer. */
  registrationAt(tenantId: string): ClientRegistration;
  /** The registry's admin API. */
  admin: RegistryAdmin;
  /** A tenant's own admin API: its Clients, Users and AccessPolicies only. */
  tenantAdmin(tenantId: string): RegistryAdmin;
  rpcMethods: ReadonlyMap<string, RpcMethod>;
  /** Developers' apps: the developer portal's and the RPC's one service. */
  developerApps: DeveloperApps;
  /** Where the registry's changes (Clients, Users, AccessPolicies, Tenants) are recorded: the auth pool's trail. */
  registryAudit: RegistryAudit;
  /** What the authorize endpoint runs on. */
  authorize: AuthorizeDeps;
  /** The signed-in user's authorized apps (SMART `management_endpoint`). */
  apps: AuthorizedApps;
  /** What the audit trail tells the signed-in user: their apps' requests about their record, their sign-ins. */
  history: AccountHistory;
  /** The same for a tenant: its pages' authorize endpoint, authorized apps, history and sign-in. */
  pagesAt(tenantId: string): TenantPages;
  /** Sign-in through the default tenant's identity providers. */
  federation: FederatedSignIn;
  /** How FHIR API callers authenticate (bearer tokens, root Basic). */
  fhirAuthenticate: FhirAuthenticator;
  /** The auth domain's side of the FHIR access port: what a verified token's grant reaches. */
  accessFor: AccessFactory;
  /** The admin console's Users: their search, and one-time set-password links (invitations, resets). */
  consoleUsers: { search: UserSearch; passwordLinks: PasswordLinkStore };
  /** Administrators' second factors (TOTP secrets, recovery codes), every tenant's: the console's. */
  secondFactors: SecondFactorStore;
}

/** What one tenant's pages run on: its authorize endpoint, its Users' authorized apps and history, sign-in. */
export interface TenantPages {
  /** Its FHIR records as the authorization server reads them (launches, pickers, RelatedPerson users). */
  records: PatientRecords;
  authorize: AuthorizeDeps;
  apps: AuthorizedApps;
  /** Read from its own events only. */
  history: AccountHistory;
  sessions: SessionService;
  signIn: AuthTokens['signIn'];
  signOut: AuthTokens['signOut'];
  /** Sign-in through its identity providers. */
  federation: FederatedSignIn;
}

export interface AuthWingInputs {
  storage: StorageWing;
  fhir: FhirWing;
}

/** The OAuth 2.0 / SMART authorization server: its registry, tokens, registration, RPC, authorize endpoint and the FHIR API's token check. */
export async function buildAuthWing(config: Config, { storage, fhir }: AuthWingInputs, runtime: Runtime): Promise<AuthWing> {
  const { now, newId } = runtime;
  const registry = await buildAuthRegistry(config, storage, runtime);
  const { auth, here, clientSecrets, registryClients, grants } = registry;
  const records = buildPatientRecords(storage, fhir, runtime);
  const issued = buildAuthTokens(config, storage, registry, runtime);
  const { signingKeys } = issued;
  const jwksUriAddresses = new Set(config.jwksFetch.allowedAddresses);
  // Every surface that changes the registry records it on the authorization server's trail, at the tenant's issuer.
  const registryAudit = createRegistryAudit(storage.authAudit, (tenantId) => tenantIssuer(config.baseUrl, tenantId));
  // The developer portal and the RPC save apps through this one service.
  const developerApps = createDeveloperApps({
    clients: registryClients,
    newSecret: generateClientSecret,
    newId,
    secrets: clientSecrets,
    strictRedirectUris: config.mode === 'production',
    jwksUriAddresses,
    autoApprove: config.mode === 'sandbox',
    audit: registryAudit,
  });
  const rpcMethods = new Map<string, RpcMethod>([
    [SAVE_DEVELOPER_APPLICATION, (params, caller) => saveDeveloperApplication(params, caller, developerApps)],
    [
      GET_LAUNCH_URI,
      (params) =>
        getLaunchUri(params, {
          clients: here.clients,
          users: here.users,
          records: { patientExists: records.patientExists, encounterBelongsTo: (encounterId, patientId) => records.directory.encounterBelongsTo(encounterId, patientId) },
          signingKeys,
          issuer: config.baseUrl,
          fhirBaseUrl: config.fhirBaseUrl,
          now,
          newId,
        }),
    ],
  ]);
  // RFC 7591/7592 at an issuer: the root's registers global Clients, a tenant's Clients bound to it.
  const registrationAt = (tenantId: string) =>
    createClientRegistration({
      clients: registryClients,
      ...(tenantId === DEFAULT_TENANT ? {} : { tenant: tenantId }),
      users: registry.at(tenantId).users,
      store: createRegistrationStore(storage.authDb),
      // A Client and its registration access token in one transaction of the auth pool; the caches hear of it after.
      atomically: tellingCachesOnCommit(
        (work) => storage.authDb.transaction((tx) => work({ clients: createAuthStores(tx, { now, newId }).clients, store: createRegistrationStore(tx) })),
        { clients: registry.clientReads, grants },
      ),
      mode: config.registration.mode,
      strictRedirectUris: config.mode === 'production',
      jwksUriAddresses,
      initialAccessTokenLifetime: config.registration.initialAccessTokenLifetime,
      registrationUrl: `${tenantIssuer(config.baseUrl, tenantId)}${ENDPOINTS.registration.path}`,
      now,
      newId,
      newToken: generateBearerToken,
      newSecret: generateClientSecret,
      secrets: clientSecrets,
      audit: registryAudit,
    });
  const registration = registrationAt(DEFAULT_TENANT);
  // A tenant's authorize endpoint: its Clients, its records for the pickers and launches, grants recording it.
  const authorizeAt = (tenantId: string, tenantRecords: PatientRecords): AuthorizeDeps => {
    const issuer = tenantIssuer(config.baseUrl, tenantId);
    return {
      issuer,
      tenant: tenantId,
      clients: registry.at(tenantId).clients,
      codes: issued.tokens.codes,
      fhirBaseUrl: `${issuer}${ENDPOINTS.fhir.path}`,
      resourceTypes: fhir.definitions.resourceTypes,
      now,
      newId,
      newCode: generateBearerToken,
      patientExists: tenantRecords.patientExists,
      patientName: tenantRecords.patientName,
      directory: tenantRecords.directory,
      compartment: fhir.compartment,
      verifyLaunch: (launch, clientId) => verifyLaunchToken(launch, clientId, { signingKeys, issuer, now }),
      ...(config.mode === 'sandbox' ? { simulatedErrors: true as const } : {}),
      // The client-assertion jti ledger, under a prefix no assertion jti is confused with.
      consumeLaunch: (clientId, jti, expiresAt) => issued.jtis.consume(clientId, `launch:${jti}`, expiresAt, now()),
      audit: issued.securityAuditAt(tenantId),
    };
  };
  const appsAt = (tenantId: string, tenantRecords: PatientRecords) =>
    createAuthorizedApps({ grants, clients: registry.at(tenantId).clients, patientName: tenantRecords.patientName, now });
  // The history scans a window of the tenant's events: the FHIR pool's work (its statement timeout), never the auth pool's.
  const historyAt = (tenantId: string, tenantRecords: PatientRecords) =>
    createAccountHistory({ history: createAccessHistoryStore(storage.db, tenantId), clients: registry.at(tenantId).clients, relatedPatient: tenantRecords.relatedPatient, now });
  const federationAt = buildFederation(config, storage, registry, issued, registryAudit, runtime);
  const pagesAt = (tenantId: string): TenantPages => {
    const tenantRecords = buildPatientRecords(storage, fhir, runtime, tenantId);
    const signIn = issued.signInAt(tenantId);
    return {
      records: tenantRecords,
      authorize: authorizeAt(tenantId, tenantRecords),
      apps: appsAt(tenantId, tenantRecords),
      history: historyAt(tenantId, tenantRecords),
      ...signIn,
      federation: federationAt(tenantId, signIn.sessions, tenantRecords),
    };
  };
  const adminDeps = {
    ...auth,
    clients: registryClients,
    tenantHoldings: createTenantHoldings(storage.authDb),
    newSecret: generateClientSecret,
    newId,
    secrets: clientSecrets,
    jwksUriAddresses,
    audit: registryAudit,
    ...identityProviderAdmin(config, registry.providerSecrets),
  };
  return {
    ...registry,
    ...issued,
    records,
    registration,
    registrationAt,
    admin: createRegistryAdmin(adminDeps),
    tenantAdmin: (tenantId) => createRegistryAdmin(adminDeps, { tenant: tenantId }),
    rpcMethods,
    developerApps,
    registryAudit,
    authorize: authorizeAt(DEFAULT_TENANT, records),
    apps: appsAt(DEFAULT_TENANT, records),
    history: historyAt(DEFAULT_TENANT, records),
    pagesAt,
    federation: federationAt(DEFAULT_TENANT, issued.sessions, records),
    secondFactors: createSecondFactorStore(storage.authDb),
    fhirAuthenticate: createFhirAuthenticator({
      keys: signingKeys,
      grants,
      issuer: config.baseUrl,
      audience: config.fhirBaseUrl,
      now,
      root: config.admin,
      verified: createVerifiedTokenCache({ maxEntries: 10_000, maxAgeSeconds: VERIFIED_TOKEN_MAX_AGE_SECONDS }),
      relatedPatient: records.relatedPatient,
    }),
    accessFor: createAccessFactory({
      definitions: fhir.definitions,
      indexResource: fhir.indexResource,
      explain: config.mode === 'sandbox',
      policySubject: createPolicySubjectLoader(here),
    }),
    consoleUsers: { search: createUserSearchStore(storage.authDb), passwordLinks: createPasswordLinkStore(storage.authDb) },
  };
}
