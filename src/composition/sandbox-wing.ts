import type { Config } from '../config.ts';
import { DEFAULT_TENANT, ENDPOINTS, tenantIssuer } from '../endpoints.ts';
import type { ExtraSurface } from '../http/app.ts';
import { createDemoKeyFile } from '../sandbox/auth/demo-backend-key.ts';
import { SAMPLE_APP_CLIENTS, seedDemoClients, type DemoClient } from '../sandbox/auth/demo-clients.ts';
import { loadSampleAppFiles } from '../sandbox/http/sample-app-files.ts';
import { seedDemoTenant } from '../sandbox/auth/demo-tenant.ts';
import { seedSandboxAdmin, seedSandboxUsers, type SandboxAdminLogin, type SandboxLogin } from '../sandbox/auth/sandbox-users.ts';
import { DEMO_TENANT_SEED, SANDBOX_START_SEED, seedPopulation, type SeedProgress } from '../sandbox/fhir/seed-population.ts';
import { DEMO_TENANT, DEMO_TENANT_LOGINS } from '../sandbox/auth/demo-tenant.ts';
import { storageTenant } from '../storage/tenant-key.ts';
import { sandboxSurfaces } from '../sandbox/http/sandbox-surfaces.ts';
import { createSeedLedger } from '../sandbox/storage/seed-progress-store.ts';
import type { ClientRepository } from '../auth/clients/client-repository.ts';
import type { TokenDeps } from '../auth/tokens/token-deps.ts';
import type { FhirDeps } from '../fhir/interaction.ts';
import type { AuthWing } from './auth-wing.ts';
import type { PatientRecords } from './patient-records.ts';
import type { FhirWing } from './fhir-wing.ts';
import type { Runtime } from './runtime.ts';
import type { StorageWing } from './storage-wing.ts';

/** What exists only in sandbox mode (MODE=sandbox): demo data, demo sign-ins and clients, the S4S endpoints. */
export interface SandboxWing {
  /** Sign-ins seeded at start (SEED=demo). */
  logins?: SandboxLogin[];
  /** The administrator seeded at start (SEED=demo): the admin console's demo sign-in. */
  admin?: SandboxAdminLogin;
  /** Demo clients seeded at start (SEED=demo). */
  demoClients?: DemoClient[];
  /** The open FHIR API, the debug token endpoints and the sample app. */
  surfaces: ExtraSurface[];
  /** The same for a tenant: its FHIR data open, tokens of its issuer for its Clients and Users. */
  surfacesAt(tenant: TenantSandboxInputs): ExtraSurface[];
}

/** What a tenant's sandbox surfaces serve: its token side, its FHIR API and its records. */
export interface TenantSandboxInputs {
  tokens: TokenDeps;
  clients: ClientRepository;
  records: PatientRecords;
  fhir: FhirDeps;
  /** The tenant's issuer: its open FHIR API's links are below it. */
  issuer: string;
}

/**
 * The demo population (SEED=demo), written once: progress rows in the database make restarts (and a concurrent
 * twin) skip it. Before the planner statistics are first refreshed, so that they count it. Through the bulk path
 * (the same rows as the repository's, in a few statements per batch): most of a first start's time otherwise.
 */
export async function seedSandboxPopulation(config: Config, storage: StorageWing, fhir: FhirWing, { now }: Runtime): Promise<SandboxPopulation | undefined> {
  if (config.seed !== 'demo') return undefined;
  const ledger = (tenant: string) => createSeedLedger(storage.db, { tenant: storageTenant(tenant), indexResource: fhir.indexResource, now, path: 'bulk' });
  // Not through the write validation (about 4 s more on a first start): these two fixed seeds are
  // validated, every resource, by the sandbox population's tests; `portico seed` validates any other.
  const seeded = await seedPopulation(ledger(DEFAULT_TENANT), SANDBOX_START_SEED);
  const tenant = await seedPopulation(ledger(DEMO_TENANT.id), DEMO_TENANT_SEED);
  return { seeded, tenant: { id: DEMO_TENANT.id, fhirBaseUrl: `${tenantIssuer(config.baseUrl, DEMO_TENANT.id)}${ENDPOINTS.fhir.path}`, seeded: tenant } };
}

/** What a demo sandbox start seeded: the default tenant's population, and the demo tenant's. */
export interface SandboxPopulation {
  seeded: SeedProgress;
  tenant: { id: string; fhirBaseUrl: string; seeded: SeedProgress };
}

/** The sandbox's sign-ins and demo clients (SEED=demo), and its own HTTP surfaces. */
export async function buildSandboxWing(config: Config, { fhir, auth }: { fhir: FhirWing; auth: AuthWing }): Promise<SandboxWing> {
  const demo = config.seed === 'demo';
  if (demo) await seedDemoTenant(auth.auth.tenants);
  const logins = demo ? [...(await seedSandboxUsers(auth.auth.users)), ...(await seedSandboxUsers(auth.auth.users, undefined, DEMO_TENANT_LOGINS))] : undefined;
  const admin = demo ? await seedSandboxAdmin(auth.auth.users) : undefined;
  const demoClients = demo
    ? await seedDemoClients({ baseUrl: config.baseUrl, clients: auth.auth.clients, policies: auth.auth.policies, secrets: auth.clientSecrets, backendKeyFile: createDemoKeyFile(config.dataDir) })
    : undefined;
  // Read at start, so that a missing fhirclient build stops a sandbox from starting rather than its first launch.
  const sampleAppFiles = await loadSampleAppFiles({ baseUrl: config.baseUrl, fhirBaseUrl: config.fhirBaseUrl, clients: SAMPLE_APP_CLIENTS });
  const surfacesAt = ({ tokens, clients, records, fhir: fhirDeps, issuer }: TenantSandboxInputs, withSampleApp = false) =>
    sandboxSurfaces({
      debugTokens: { ...tokens, clients, patientExists: records.patientExists, relatedPatient: records.relatedPatient, compartment: fhir.compartment },
      openFhir: { ...fhirDeps, settings: { ...fhirDeps.settings, baseUrl: `${issuer}${ENDPOINTS.openFhir.path}` } },
      ...(withSampleApp ? { sampleApp: { files: sampleAppFiles, origin: new URL(config.baseUrl).origin } } : {}),
    });
  return {
    ...(logins ? { logins } : {}),
    ...(admin ? { admin } : {}),
    ...(demoClients ? { demoClients } : {}),
    surfaces: surfacesAt({ tokens: auth.tokens, clients: auth.here.clients, records: auth.records, fhir: fhir.fhir, issuer: config.baseUrl }, true),
    surfacesAt: (tenant) => surfacesAt(tenant),
  };
}
