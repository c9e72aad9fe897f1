import type { FastifyInstance } from 'fastify';
import type { Config } from './config.ts';
import type { ClientAuthenticator } from './auth/client-auth/client-authenticator.ts';
import type { ClientSecrets } from './auth/clients/client-secret.ts';
import { buildDiscoveryDocuments } from './auth/discovery/discovery-documents.ts';
import type { AuthorizationCodeStore, GrantStatus } from './auth/grants/grant.ts';
import type { GrantStore } from './auth/grants/grant-store.ts';
import type { SigningKeys } from './auth/keys/signing-keys.ts';
import type { SessionService } from './auth/sessions/session-service.ts';
import type { TokenDeps } from './auth/tokens/token-deps.ts';
import { buildAuthWing } from './composition/auth-wing.ts';
import { buildBulkWing } from './composition/bulk-wing.ts';
import { buildFhirWing } from './composition/fhir-wing.ts';
import { buildHttpWing } from './composition/http-wing.ts';
import { createRuntime } from './composition/runtime.ts';
import { buildSandboxWing, seedSandboxPopulation } from './composition/sandbox-wing.ts';
import { openStorageWing } from './composition/storage-wing.ts';
import type { AuditTrail } from './fhir/audit/audit-trail.ts';
import type { ExportStore } from './fhir/bulk/export-store.ts';
import type { ExportWorker } from './fhir/bulk/export-worker.ts';
import { loadDefinitions, type FhirDefinitions } from './fhir/definitions.ts';
import type { FhirDeps } from './fhir/interaction.ts';
import type { ResourceRepository } from './fhir/repository.ts';
import type { DemoClient } from './sandbox/auth/demo-clients.ts';
import type { SandboxAdminLogin, SandboxLogin } from './sandbox/auth/sandbox-users.ts';
import type { SeedProgress } from './sandbox/fhir/seed-population.ts';
import type { AuthStores } from './storage/auth/auth-stores.ts';
import type { Database } from './storage/database.ts';
import { reindexQueued } from './storage/search-reindex.ts';

export interface Portico {
  app: FastifyInstance;
  /** The FHIR pool: resources, search, bulk export (DATABASE_POOL_SIZE, FHIR_QUERY_TIMEOUT_MS). */
  db: Database;
  /** The authorization server's pool: its registry, grants, tokens, sessions, keys (DATABASE_AUTH_POOL_SIZE). */
  authDb: Database;
  /** Which database, where (the start banner), and a line about the choice when it differs from the setting's. */
  databaseInUse: { description: string; notice?: string };
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
  /** The demo tenant (MODE=sandbox, SEED=demo): its FHIR base and what was seeded there. */
  demoTenant?: { id: string; fhirBaseUrl: string; seeded: SeedProgress };
  /** Clients, Users and AccessPolicies (the authorization server's registry). */
  auth: AuthStores;
  /** Sandbox sign-ins (MODE=sandbox, SEED=demo), printed at start. */
  sandboxLogins?: SandboxLogin[];
  /** The sandbox administrator (MODE=sandbox, SEED=demo), printed at start. */
  sandboxAdmin?: SandboxAdminLogin;
  /** Sandbox demo clients (MODE=sandbox, SEED=demo), printed at start. */
  demoClients?: DemoClient[];
  /** Bulk Data export: its jobs and this process's worker (runs only when BULK_EXPORT_WORKER is true). */
  bulkExport: { store: ExportStore; worker: ExportWorker };
  /** The audit trail: each event durable (hash-chained, src/storage/audit) before `record` resolves. */
  audit: AuditTrail;
  /** The authorization server's audit trail: the same table, its own chains, on the auth pool. */
  authAudit: AuditTrail;
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
  /** Wraps both audit trails (the benchmark measures what recording costs by switching them off between runs). */
  wrapAuditTrail?: (trail: AuditTrail) => AuditTrail;
}

/**
 * The composition root: one builder per wing, in the order they depend on each other (storage → FHIR → auth →
 * sandbox → bulk → HTTP). The sandbox wing is built in sandbox mode only. Nothing is global; everything is passed in.
 */
export async function createPortico(config: Config, overrides: PorticoOverrides = {}): Promise<Portico> {
  const runtime = createRuntime(overrides);
  // The R4 definitions (a second of CPU) load while the embedded PostgreSQL's initdb or server starts in its own
  // process; elsewhere the FHIR wing loads them. A failure here is left for the FHIR wing's own load to report.
  let definitions = overrides.definitions;
  const loadDefinitionsMeanwhile = () => {
    try {
      definitions ??= loadDefinitions();
    } catch {
      // Reported by the FHIR wing's own attempt.
    }
  };
  const opened = await openStorageWing(config, runtime, overrides.wrapDatabase, loadDefinitionsMeanwhile);
  const wrapTrail = overrides.wrapAuditTrail;
  const storage = wrapTrail ? { ...opened, audit: wrapTrail(opened.audit), authAudit: wrapTrail(opened.authAudit) } : opened;
  try {
    const discovery = buildDiscoveryDocuments(config.baseUrl);
    const fhir = buildFhirWing(config, { storage, definitions, security: discovery.capabilitySecurity }, runtime);
    // Index rows the indexer now extracts differently (queued by a migration) are recomputed before anything searches.
    await reindexQueued(storage.db, fhir.indexResource);
    const population = config.mode === 'sandbox' ? await seedSandboxPopulation(config, storage, fhir, runtime) : undefined;
    // Planner statistics: fresh after seeding, then kept fresh in the background (PGlite has no autovacuum).
    await storage.refreshStatistics();
    const auth = await buildAuthWing(config, { storage, fhir }, runtime);
    const sandbox = config.mode === 'sandbox' ? await buildSandboxWing(config, { fhir, auth }) : undefined;
    const bulk = buildBulkWing(config, { storage, fhir }, runtime);
    const app = await buildHttpWing(config, { storage, fhir, auth, bulk, discovery, ...(sandbox ? { sandbox } : {}) }, runtime);
    runtime.attachLog(app.log);
    if (auth.resealed > 0) app.log.info({ count: auth.resealed }, 'client secrets stored in clear text were encrypted');
    if (config.bulkExport.worker) bulk.worker.start();
    const statistics = storage.keepStatisticsFresh((err) => app.log.warn({ err }, 'statistics refresh failed'));
    const auditExpiry = storage.keepAuditExpiring(
      (run) => {
        if (run.events > 0) app.log.info({ events: run.events, chains: run.expired.length, before: run.cutoff.toISOString() }, 'audit events past AUDIT_RETENTION_DAYS expired');
        for (const broken of run.broken) app.log.warn({ ...broken }, 'audit expiry stopped at a broken link of a chain (portico audit verify)');
      },
      (err) => app.log.warn({ err }, 'audit expiry failed'),
    );
    return {
      app,
      db: storage.db,
      authDb: storage.authDb,
      databaseInUse: storage.databaseInUse,
      repository: fhir.repository,
      definitions: fhir.definitions,
      fhir: fhir.fhir,
      signingKeys: auth.signingKeys,
      clientAuthenticator: auth.clientAuthenticator,
      clientSecrets: auth.clientSecrets,
      sessions: auth.sessions,
      codes: auth.tokens.codes,
      grantStatus: auth.grants,
      grants: auth.grants,
      tokens: auth.tokens,
      auth: auth.auth,
      ...(population ? { seeded: population.seeded, demoTenant: population.tenant } : {}),
      ...(sandbox?.logins ? { sandboxLogins: sandbox.logins } : {}),
      ...(sandbox?.admin ? { sandboxAdmin: sandbox.admin } : {}),
      ...(sandbox?.demoClients ? { demoClients: sandbox.demoClients } : {}),
      bulkExport: { store: bulk.store, worker: bulk.worker },
      audit: storage.audit,
      authAudit: storage.authAudit,
      async close() {
        await bulk.worker.stop();
        await app.close();
        await statistics.stop();
        await auditExpiry.stop();
        await storage.readDb?.close();
        await storage.authDb.close();
        await storage.db.close();
      },
    };
  } catch (err) {
    await storage.abandon();
    throw err;
  }
}
