import { randomBytes, randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import { assertionAudiences } from './endpoints.ts';
import { createSigningKeys, type SigningKeys } from './auth/keys/signing-keys.ts';
import { createClientSecrets, generateClientSecret, type ClientSecrets } from './auth/clients/client-secret.ts';
import { resealClientSecrets } from './auth/clients/reseal-client-secrets.ts';
import { createSecretCipher } from './auth/secrets/secret-cipher.ts';
import { createClientSecretStore } from './storage/auth/client-secret-store.ts';
import { generateBearerToken } from './auth/registration/bearer-token.ts';
import { createClientRegistration } from './auth/registration/registration-service.ts';
import { tellingCachesOnCommit } from './auth/registration/committed-registration.ts';
import { createClientAuthenticator, type ClientAuthenticator } from './auth/client-auth/client-authenticator.ts';
import { createHttpJwksFetcher } from './auth/client-auth/jwks/http-jwks-fetcher.ts';
import { createJwksCache } from './auth/client-auth/jwks/jwks-cache.ts';
import { createClientAuthThrottle } from './auth/client-auth/client-auth-throttle.ts';
import { createClientAttemptStore } from './storage/auth/client-attempt-store.ts';
import { createJtiStore } from './storage/auth/jti-store.ts';
import { accountKey, createLoginThrottle } from './auth/sessions/login-throttle.ts';
import { createFailureThrottle } from './auth/sessions/failure-throttle.ts';
import { generateSessionId } from './auth/sessions/session-id.ts';
import { createSessionService, type SessionService } from './auth/sessions/session-service.ts';
import { createDecoyHash, createSignIn } from './auth/sessions/sign-in.ts';
import { hashPassword, verifyPassword } from './auth/users/password-hash.ts';
import { createLoginAttemptStore, createSessionStore } from './storage/auth/session-store.ts';
import type { AuthorizationCodeStore, GrantStatus } from './auth/grants/grant.ts';
import type { GrantStore } from './auth/grants/grant-store.ts';
import type { TokenDeps } from './auth/tokens/token-deps.ts';
import { createCodeStore } from './storage/auth/code-store.ts';
import { createGrantStore } from './storage/auth/grant-store.ts';
import { cacheGrantStatus } from './auth/grants/grant-status-cache.ts';
import { forgetGrantStatusOnDeactivation } from './auth/grants/forget-on-deactivation.ts';
import { createVerifiedTokenCache } from './auth/tokens/verified-token-cache.ts';
import { createAuthorizedApps, patientDisplayName } from './auth/grants/authorized-apps.ts';
import { SMART_STYLE_PATH } from './ui/smart-style.ts';
import { createAccessTokenLedger, createRefreshTokenStore } from './storage/auth/token-store.ts';
import { createFhirAuthenticator } from './auth/bearer/fhir-authenticator.ts';
import { createAccessFactory } from './auth/access/access-factory.ts';
import { createPolicySubjectLoader } from './auth/access/policy-subject.ts';
import { buildDiscoveryDocuments } from './auth/discovery/discovery-documents.ts';
import { buildCapabilityStatement } from './fhir/capability-statement.ts';
import { buildPatientCompartment } from './fhir/access/patient-compartment.ts';
import { createExportService } from './fhir/bulk/export-service.ts';
import type { ExportStore } from './fhir/bulk/export-store.ts';
import { createExportWorker, type ExportWorker } from './fhir/bulk/export-worker.ts';
import { cacheRegistryReads } from './auth/registry/cached-registry-reads.ts';
import { createExportStore } from './storage/bulk/export-store.ts';
import { loadDefinitions, type FhirDefinitions } from './fhir/definitions.ts';
import type { FhirDeps } from './fhir/interaction.ts';
import type { ResourceRepository } from './fhir/repository.ts';
import { parseSearchRequest } from './fhir/search/parse-search.ts';
import { createPatientDirectory } from './auth/authorize/patient-directory.ts';
import { seedPopulation, SANDBOX_START_SEED, type SeedProgress } from './sandbox/fhir/seed-population.ts';
import { createIndexer } from './fhir/search/indexer.ts';
import { createSearchParameterRegistry } from './fhir/search/registry.ts';
import { createValidator } from './fhir/validation/validate-resource.ts';
import { buildApp, OPEN_FHIR_MOUNT } from './http/app.ts';
import { verifyLaunchToken } from './auth/launch/launch-token.ts';
import { createRegistryAdmin } from './auth/admin/registry-admin.ts';
import type { RpcMethod } from './auth/rpc/rpc-dispatch.ts';
import { SAVE_DEVELOPER_APPLICATION, saveDeveloperApplication } from './auth/rpc/save-developer-application.ts';
import { GET_LAUNCH_URI, getLaunchUri } from './auth/rpc/get-launch-uri.ts';
import { seedSandboxUsers, type SandboxLogin } from './sandbox/auth/sandbox-users.ts';
import { seedDemoClients, type DemoClient } from './sandbox/auth/demo-clients.ts';
import { createDemoKeyFile } from './sandbox/auth/demo-backend-key.ts';
import { createAuthStores, type AuthStores } from './storage/auth/auth-stores.ts';
import { createRegistrationStore } from './storage/auth/registration-store.ts';
import { openDatabases, type Database } from './storage/database.ts';
import { DatabaseBusy } from './fhir/storage-fault.ts';
import { createSigningKeyStore } from './storage/keys/signing-key-store.ts';
import { migrate } from './storage/migrate.ts';
import { refreshStaleStatistics, startStatisticsRefresh } from './storage/search/statistics.ts';

const STATISTICS_REFRESH_MS = 30_000;
/** A verified access token is re-verified at least this often (its signing key's standing is asked on every use). */
const VERIFIED_TOKEN_MAX_AGE_SECONDS = 300;
/** Bulk export: NDJSON bytes per stored chunk, resources per database page, claims before a job is given up. */
const BULK_EXPORT_CHUNK_BYTES = 1024 * 1024;
const BULK_EXPORT_MAX_ATTEMPTS = 3;
import { createResourceStore } from './storage/resource-store.ts';
import { createSeedLedger } from './sandbox/storage/seed-progress-store.ts';

export interface Portico {
  app: FastifyInstance;
  /** The FHIR pool: resources, search, bulk export (DATABASE_POOL_SIZE, FHIR_QUERY_TIMEOUT_MS). */
  db: Database;
  /** The authorization server's pool: its registry, grants, tokens, sessions, keys (DATABASE_AUTH_POOL_SIZE). */
  authDb: Database;
  repository: ResourceRepository;
  definitions: FhirDefinitions;
  fhir: FhirDeps;
  /** Token signing keys (JWKS); created in the database on first use. */
  signingKeys: SigningKeys;
  /** Token-endpoint client authentication (none, client_secret_basic/post, private_key_jwt). */
  clientAuthenticator: ClientAuthenticator;
  /** Client secrets at rest: encrypted under SECRETS_KEY (older keys: SECRETS_KEY_PREVIOUS). */
  clientSecrets: ClientSecrets;
  /** Authorization codes (by SHA-256 hash, single use): the authorize endpoint creates them, the token endpoint redeems them. */
  codes: AuthorizationCodeStore;
  /** Whether a grant (and so every token it produced) still stands; the FHIR API asks on every request. */
  grantStatus: GrantStatus;
  /** Grants: save, get, revoke (revocation ends every token of the grant). */
  grants: GrantStore;
  /** What the token-side endpoints run on (token issuance, introspection, revocation, userinfo). */
  tokens: TokenDeps;
  /** Browser sign-in sessions: `currentSession(id)` for the authorize endpoint. */
  sessions: SessionService;
  /** Sandbox start-up seeding (MODE=sandbox, SEED=demo): what it wrote, or found already written. */
  seeded?: SeedProgress;
  /** Clients, Users and AccessPolicies (the authorization server's registry). */
  auth: AuthStores;
  /** Sandbox sign-ins (MODE=sandbox, SEED=demo), printed at start. */
  sandboxLogins?: SandboxLogin[];
  /** Sandbox demo clients (MODE=sandbox, SEED=demo), printed at start. */
  demoClients?: DemoClient[];
  /** Bulk Data export: its jobs and this process's worker (runs only when BULK_EXPORT_WORKER is true). */
  bulkExport: { store: ExportStore; worker: ExportWorker };
  /** Stops accepting requests, lets in-flight ones finish, then closes the database. */
  close(): Promise<void>;
}

export interface PorticoOverrides {
  now?: () => Date;
  newId?: () => string;
  /** Definitions are immutable; tests share one copy across apps. */
  definitions?: FhirDefinitions;
  /** Wraps each opened pool (the benchmark records the SQL a request runs; tests may count queries). */
  wrapDatabase?: (db: Database) => Database;
}

/** Composition: config → storage → domain → HTTP app. Nothing is global; everything is passed in. */
export async function createPortico(config: Config, overrides: PorticoOverrides = {}): Promise<Portico> {
  const now = overrides.now ?? (() => new Date());
  const newId = overrides.newId ?? randomUUID;
  const definitions = overrides.definitions ?? loadDefinitions();
  // Two pools, so that expensive FHIR work can never take the connections token requests need.
  const opened = await openDatabases({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    prepareStatements: config.databasePreparedStatements,
    pools: {
      fhir: { poolSize: config.databasePoolSize, statementTimeoutMs: config.fhir.queryTimeoutMs, maxQueue: config.databaseMaxQueue },
      auth: { poolSize: config.databaseAuthPoolSize, maxQueue: config.databaseMaxQueue },
    },
  });
  const wrap = overrides.wrapDatabase ?? ((pool: Database) => pool);
  const db = wrap(opened.fhir);
  const authDb = wrap(opened.auth);
  try {
    await migrate(db);
    const searchRegistry = createSearchParameterRegistry(definitions);
    const indexResource = createIndexer(searchRegistry);
    const repository = createResourceStore(db, { indexResource, now });
    // The authorization server's own reads of FHIR data (a launch's patient, the pickers' patients and
    // encounters): on its pool, so that signing in to an app never waits behind the FHIR API's work.
    const launchContext = createResourceStore(authDb, { indexResource, now });
    // Seeds once: progress rows in the database make restarts (and a concurrent twin) skip it.
    const seeded =
      config.mode === 'sandbox' && config.seed === 'demo'
        ? await seedPopulation(createSeedLedger(db, { indexResource, now, path: 'repository' }), SANDBOX_START_SEED)
        : undefined;
    // Planner statistics: fresh after seeding, then kept fresh in the background (PGlite has no autovacuum).
    await refreshStaleStatistics(db);
    const clientSecrets = createClientSecrets(
      createSecretCipher({ key: Buffer.from(config.secrets.key, 'base64url'), previousKeys: config.secrets.previousKeys.map((k) => Buffer.from(k, 'base64url')) }),
      {
        onUnreadable: (problem) =>
          app.log.error(
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
    const auth = {
      ...stores,
      clients: forgetGrantStatusOnDeactivation(clientReads, grants),
      users: forgetGrantStatusOnDeactivation(stores.users, grants),
    };
    const sandboxLogins = config.mode === 'sandbox' && config.seed === 'demo' ? await seedSandboxUsers(auth.users) : undefined;
    const demoClients =
      config.mode === 'sandbox' && config.seed === 'demo'
        ? await seedDemoClients({ clients: auth.clients, policies: auth.policies, secrets: clientSecrets, backendKeyFile: createDemoKeyFile(config.dataDir) })
        : undefined;
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
    const loginSettings = { maxFailures: config.login.maxFailures, windowSeconds: config.login.failureWindow };
    const adminAccess = {
      root: config.admin,
      clients: registryClients,
      policies: auth.policies,
      users: auth.users,
      secrets: clientSecrets,
      clientThrottle: clientAuthThrottle,
      // A developer's password over HTTP Basic counts against the account as at the sign-in page: one budget per password.
      accountThrottle: createFailureThrottle(loginAttempts, loginSettings, now, accountKey),
    };
    const rpcMethods = new Map<string, RpcMethod>([
      [SAVE_DEVELOPER_APPLICATION, (params, caller) => saveDeveloperApplication(params, caller, { clients: registryClients, newSecret: generateClientSecret, newId, secrets: clientSecrets, strictRedirectUris: config.mode === 'production' })],
      [
        GET_LAUNCH_URI,
        (params) =>
          getLaunchUri(params, {
            clients: auth.clients,
            users: auth.users,
            records: { patientExists, encounterBelongsTo: (encounterId, patientId) => patientDirectory.encounterBelongsTo(encounterId, patientId) },
            signingKeys,
            issuer: config.baseUrl,
            fhirBaseUrl: config.fhirBaseUrl,
            now,
            newId,
          }),
      ],
    ]);
    const discovery = buildDiscoveryDocuments(config.baseUrl);
    const fhir: FhirDeps = {
      repository,
      definitions,
      searchRegistry,
      settings: {
        baseUrl: config.fhirBaseUrl,
        defaultPageSize: config.fhir.defaultPageSize,
        maxPageSize: config.fhir.maxPageSize,
        maxBundleEntries: config.fhir.maxBundleEntries,
      },
      validate: createValidator(definitions),
      newId,
      now,
      capabilityStatement: buildCapabilityStatement({
        definitions,
        searchRegistry,
        baseUrl: config.fhirBaseUrl,
        date: now(),
        security: discovery.capabilitySecurity,
      }),
    };
    // Live patients and their encounters, as the pickers and EHR launches check them, and whose patient a
    // RelatedPerson user is (through FHIR search, on the auth pool: signing in never waits behind FHIR work).
    const patientExists = async (id: string) => (await launchContext.read('Patient', id))?.deleted === false;
    const patientDirectory = createPatientDirectory(async (resourceType, query) => {
      const search = parseSearchRequest(resourceType, query, { registry: searchRegistry, settings: fhir.settings, strict: true, now });
      return (await launchContext.search(search)).matches.map((match) => match.resource);
    });
    const exportStore = createExportStore(db, { files: config.bulkExport.files, directory: config.bulkExport.directory });
    // The worker is background work on the FHIR pool: it waits for a connection rather than being refused one.
    const exportDb = db.background();
    const exportRepository = createResourceStore(exportDb, { indexResource, now });
    const exportWorker = createExportWorker({
      runner: {
        store: createExportStore(exportDb, { files: config.bulkExport.files, directory: config.bulkExport.directory }),
        repository: exportRepository,
        jsonReader: exportRepository,
        resourceTypes: definitions.resourceTypes,
        searchRegistry,
        settings: fhir.settings,
        compartment: buildPatientCompartment(definitions),
        index: indexResource,
        now,
        limits: {
          maxLinesPerFile: config.bulkExport.maxResourcesPerFile,
          chunkBytes: BULK_EXPORT_CHUNK_BYTES,
          pageSize: config.bulkExport.pageSize,
          retentionSeconds: config.bulkExport.retentionSeconds,
        },
      },
      owner: `${process.pid}-${randomUUID()}`,
      leaseSeconds: config.bulkExport.leaseSeconds,
      pollIntervalMs: config.bulkExport.pollIntervalMs,
      maxAttempts: BULK_EXPORT_MAX_ATTEMPTS,
      onError: (err) => app.log.error({ err }, 'bulk export worker failed'),
    });
    const exportService = createExportService({
      store: exportStore,
      fhir,
      compartment: buildPatientCompartment(definitions),
      settings: {
        maxConcurrentPerClient: config.bulkExport.maxConcurrentPerClient,
        retentionSeconds: config.bulkExport.retentionSeconds,
        retryAfterSeconds: Math.max(1, Math.ceil(config.bulkExport.pollIntervalMs / 1000)),
      },
      wake: () => exportWorker.wake(),
    });
    const signingKeys = createSigningKeys({
      store: createSigningKeyStore(authDb),
      now,
      accessTokenAlg: config.signingKeys.accessTokenAlg,
      retireAfterDays: config.signingKeys.retireAfterDays,
    });
    // One jti ledger: client assertions, and EHR launch tokens (prefixed).
    const launchJtis = createJtiStore(authDb);
    const clientAuthenticator = createClientAuthenticator({
      clients: auth.clients,
      secrets: clientSecrets,
      jtis: launchJtis,
      jwks: createJwksCache({
        now,
        fetch: createHttpJwksFetcher({
          timeoutMs: config.jwksFetch.timeoutMs,
          maxBytes: config.jwksFetch.maxBytes,
          allowHttp: config.jwksFetch.allowHttp,
          allowedAddresses: new Set(config.jwksFetch.allowedAddresses),
        }),
      }),
      throttle: clientAuthThrottle,
      now,
      audiences: assertionAudiences(config.baseUrl),
    });
    const sessions = createSessionService({
      store: createSessionStore(authDb),
      users: auth.users,
      settings: { idleTimeoutSeconds: config.sessions.idleTimeout, maxLifetimeSeconds: config.sessions.maxLifetime },
      now,
      newSessionId: generateSessionId,
    });
    const tokens: TokenDeps = {
      issuer: config.baseUrl,
      fhirBaseUrl: config.fhirBaseUrl,
      signingKeys,
      clientAuthenticator,
      root: config.admin,
      codes: createCodeStore(authDb),
      grants,
      refreshTokens: createRefreshTokenStore(authDb),
      accessTokens: createAccessTokenLedger(authDb),
      users: auth.users,
      // A token response's writes in one transaction of the auth pool (the admission counts it as one unit of work).
      issueAtomically: (work) =>
        authDb.transaction((tx) =>
          work({
            codes: createCodeStore(tx),
            grants: createGrantStore(tx),
            refreshTokens: createRefreshTokenStore(tx),
            accessTokens: createAccessTokenLedger(tx),
            users: createAuthStores(tx, { now, newId }).users,
          }),
        ),
      sessions,
      smartStyleUrl: `${config.baseUrl}${SMART_STYLE_PATH}`,
      settings: { accessTokenMaxLifetime: config.tokens.accessTokenMaxLifetime, refreshTokenLifetime: config.tokens.refreshTokenLifetime },
      now,
      newId,
      newSecret: generateBearerToken,
    };
    const signIn = createSignIn({
      users: auth.users,
      sessions,
      throttle: createLoginThrottle(loginAttempts, loginSettings, now),
      verifyPassword,
      decoyHash: createDecoyHash(hashPassword, () => randomBytes(32).toString('base64url')),
    });
    const registration = createClientRegistration({
      clients: registryClients,
      store: createRegistrationStore(authDb),
      // A Client and its registration access token in one transaction of the auth pool; the caches hear of it after.
      atomically: tellingCachesOnCommit(
        (work) => authDb.transaction((tx) => work({ clients: createAuthStores(tx, { now, newId }).clients, store: createRegistrationStore(tx) })),
        { clients: clientReads, grants },
      ),
      mode: config.registration.mode,
      strictRedirectUris: config.mode === 'production',
      jwksUriAddresses: new Set(config.jwksFetch.allowedAddresses),
      initialAccessTokenLifetime: config.registration.initialAccessTokenLifetime,
      registrationUrl: discovery.endpoints.registration,
      now,
      newId,
      newToken: generateBearerToken,
      newSecret: generateClientSecret,
      secrets: clientSecrets,
    });
    // Whose patient a RelatedPerson user is (FHIR requests and authorization alike).
    const relatedPatient = (relatedPersonId: string) => patientDirectory.relatedPatient(relatedPersonId);
    const app = await buildApp({
      fhir,
      oauth: { signingKeys, registration, access: adminAccess },
      admin: {
        admin: createRegistryAdmin({ ...auth, clients: registryClients, newSecret: generateClientSecret, newId, secrets: clientSecrets, jwksUriAddresses: new Set(config.jwksFetch.allowedAddresses) }),
        access: adminAccess,
        baseUrl: config.baseUrl,
        defaultPageSize: config.fhir.defaultPageSize,
        maxPageSize: config.fhir.maxPageSize,
      },
      fhirAuth: {
        authenticate: createFhirAuthenticator({
          keys: signingKeys,
          grants,
          issuer: config.baseUrl,
          audience: config.fhirBaseUrl,
          now,
          root: config.admin,
          verified: createVerifiedTokenCache({ maxEntries: 10_000, maxAgeSeconds: VERIFIED_TOKEN_MAX_AGE_SECONDS }),
          relatedPatient,
        }),
        accessFor: createAccessFactory({
          definitions,
          indexResource,
          explain: config.mode === 'sandbox',
          policySubject: createPolicySubjectLoader({ clients: auth.clients, users: auth.users, policies: auth.policies }),
        }),
      },
      bulkExport: { service: exportService },
      rpc: { methods: rpcMethods, access: adminAccess },
      token: { deps: tokens },
      ...(config.mode === 'sandbox'
        ? {
            sandbox: {
              deps: {
                ...tokens,
                clients: auth.clients,
                patientExists,
                relatedPatient,
                compartment: buildPatientCompartment(definitions),
              },
            },
          }
        : {}),
      ...(config.mode === 'sandbox' ? { openFhir: { deps: { ...fhir, settings: { ...fhir.settings, baseUrl: `${config.baseUrl}${OPEN_FHIR_MOUNT}` } } } } : {}),
      ui: {
        sessions,
        signIn,
        cookies: { secret: config.sessions.secret, secure: config.baseUrl.startsWith('https:') },
        frameAncestors: config.frameAncestors,
        origin: new URL(config.baseUrl).origin,
        authorize: {
          issuer: config.baseUrl,
          clients: auth.clients,
          codes: tokens.codes,
          fhirBaseUrl: config.fhirBaseUrl,
          resourceTypes: definitions.resourceTypes,
          now,
          newId,
          newCode: generateBearerToken,
          patientExists,
          directory: patientDirectory,
          compartment: buildPatientCompartment(definitions),
          verifyLaunch: (launch, clientId) => verifyLaunchToken(launch, clientId, { signingKeys, issuer: config.baseUrl, now }),
          // The client-assertion jti ledger, under a prefix no assertion jti is confused with.
          consumeLaunch: (clientId, jti, expiresAt) => launchJtis.consume(clientId, `launch:${jti}`, expiresAt, now()),
        },
        apps: createAuthorizedApps({
          grants,
          clients: auth.clients,
          patientName: async (id) => {
            const found = await launchContext.read('Patient', id);
            return found && !found.deleted ? patientDisplayName(found.resource) : undefined;
          },
          now,
        }),
      },
      discovery: { smartConfiguration: discovery.smartConfiguration, openidConfiguration: discovery.openidConfiguration },
      cors: { allowedOrigins: config.cors.allowedOrigins },
      // Overloaded when either pool refuses work; reachable when the pool kept free for OAuth answers at once.
      ping: async () => {
        if (db.overloaded() || authDb.overloaded()) throw new DatabaseBusy('A database pool is saturated');
        await authDb.ping();
      },
      logLevel: config.logLevel,
      trustProxy: config.trustProxy,
      maxBodyBytes: config.fhir.maxBodyBytes,
      maxJsonDepth: config.fhir.maxJsonDepth,
    });
    if (resealed.encrypted > 0) app.log.info({ count: resealed.encrypted }, 'client secrets stored in clear text were encrypted');
    if (config.bulkExport.worker) exportWorker.start();
    const statistics = startStatisticsRefresh(db, STATISTICS_REFRESH_MS, (err) => app.log.warn({ err }, 'statistics refresh failed'));
    return {
      app,
      db,
      authDb,
      repository,
      definitions,
      fhir,
      signingKeys,
      clientAuthenticator,
      clientSecrets,
      sessions,
      codes: tokens.codes,
      grantStatus: grants,
      grants,
      tokens,
      ...(seeded ? { seeded } : {}),
      auth,
      ...(sandboxLogins ? { sandboxLogins } : {}),
      ...(demoClients ? { demoClients } : {}),
      bulkExport: { store: exportStore, worker: exportWorker },
      async close() {
        await exportWorker.stop();
        await app.close();
        await statistics.stop();
        await authDb.close();
        await db.close();
      },
    };
  } catch (err) {
    await authDb.close().catch(() => {});
    await db.close().catch(() => {});
    throw err;
  }
}
