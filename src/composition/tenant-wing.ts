import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { createAccessFactory } from '../auth/access/access-factory.ts';
import { createPolicySubjectLoader } from '../auth/access/policy-subject.ts';
import { createFhirAuthenticator } from '../auth/bearer/fhir-authenticator.ts';
import { buildDiscoveryDocuments } from '../auth/discovery/discovery-documents.ts';
import { DEFAULT_TENANT } from '../auth/tenants/tenant.ts';
import { createVerifiedTokenCache } from '../auth/tokens/verified-token-cache.ts';
import { ENDPOINTS, tenantIssuer, tenantPathPrefix } from '../endpoints.ts';
import { buildCapabilityStatement } from '../fhir/capability-statement.ts';
import type { FhirDeps } from '../fhir/interaction.ts';
import { createFhirAuditor } from '../fhir/audit/fhir-auditor.ts';
import type { ConcurrencyGate } from '../http/fhir/concurrency-gate.ts';
import { buildTenantApp, type TenantApps } from '../http/tenant-app.ts';
import { createAuditLog } from '../storage/audit/audit-log-store.ts';
import { createResourceStore } from '../storage/resource-store.ts';
import { storageTenant } from '../storage/tenant-key.ts';
import { SMART_STYLE_PATH } from '../ui/smart-style.ts';
import { VERIFIED_TOKEN_MAX_AGE_SECONDS, type AuthWing } from './auth-wing.ts';
import type { BulkWing } from './bulk-wing.ts';
import type { FhirWing } from './fhir-wing.ts';
import type { TokenDeps } from '../auth/tokens/token-deps.ts';
import type { Runtime } from './runtime.ts';
import type { SandboxWing } from './sandbox-wing.ts';
import { landingModel } from './landing-model.ts';
import { consoleOptions } from './console-options.ts';
import type { StorageWing } from './storage-wing.ts';
import { FEDERATION_PENDING_SECONDS } from './federation-wing.ts';

export interface TenantWing extends TenantApps {
  close(): Promise<void>;
}

export interface TenantWingInputs {
  storage: StorageWing;
  fhir: FhirWing;
  auth: AuthWing;
  bulk: BulkWing;
  fhirGate: ConcurrencyGate;
  /** Present in sandbox mode only: each tenant gets the sandbox's surfaces too. */
  sandbox?: SandboxWing;
}

/**
 * Every tenant but the default one, below `$BASE_URL/t/{tenant}`: its issuer is that URL, its FHIR base
 * `…/t/{tenant}/fhir` on its own rows of the resource tables, its Clients, Users and AccessPolicies those bound to it
 * (and the global ones). One application per tenant, built when first asked for and kept; the database pools, the
 * signing keys, the grants and the FHIR gate are the process's.
 */
export function buildTenantWing(config: Config, { storage, fhir, auth, bulk, fhirGate, sandbox }: TenantWingInputs, runtime: Runtime): TenantWing {
  const { now } = runtime;
  const apps = new Map<string, Promise<FastifyInstance>>();

  async function build(tenantId: string): Promise<FastifyInstance> {
    const issuer = tenantIssuer(config.baseUrl, tenantId);
    const fhirBaseUrl = `${issuer}${ENDPOINTS.fhir.path}`;
    const registry = auth.at(tenantId);
    const discovery = buildDiscoveryDocuments(issuer);
    const pages = auth.pagesAt(tenantId);
    // Its administrators are its Users with the role admin (and the root client): its admin API and initial access tokens.
    const tenantAdministration = { ...auth.adminAccess, users: registry.users, tenantAdministrators: true } as const;
    const tokens: TokenDeps = {
      ...auth.tokens,
      issuer,
      fhirBaseUrl,
      tenant: tenantId,
      clientAuthenticator: auth.clientAuthenticatorAt(registry.clients, issuer),
      users: registry.users,
      sessions: pages.sessions,
      audit: auth.securityAuditAt(tenantId),
      smartStyleUrl: `${issuer}${SMART_STYLE_PATH}`,
    };
    const fhirDeps: FhirDeps = {
      ...fhir.fhir,
      repository: createResourceStore(storage.db, { tenant: storageTenant(tenantId), indexResource: fhir.indexResource, now, ...(storage.readDb ? { replica: storage.readDb } : {}) }),
      auditLog: createAuditLog(storage.db, { tenant: storageTenant(tenantId) }),
      settings: { ...fhir.fhir.settings, baseUrl: fhirBaseUrl },
      capabilityStatement: buildCapabilityStatement({ definitions: fhir.definitions, searchRegistry: fhir.searchRegistry, baseUrl: fhirBaseUrl, date: now(), security: discovery.capabilitySecurity }),
      audit: createFhirAuditor({ trail: storage.audit, tenant: tenantId, site: fhirBaseUrl, definitions: fhir.definitions, compartment: fhir.compartment, indexer: fhir.indexResource }),
    };
    return buildTenantApp({
      fhir: fhirDeps,
      fhirAuth: {
        // Tokens of this issuer for this FHIR base only: another tenant's (or the default one's) are invalid_token here.
        authenticate: createFhirAuthenticator({
          keys: auth.signingKeys,
          grants: auth.grants,
          issuer,
          audience: fhirBaseUrl,
          now,
          root: config.admin,
          verified: createVerifiedTokenCache({ maxEntries: 10_000, maxAgeSeconds: VERIFIED_TOKEN_MAX_AGE_SECONDS }),
          relatedPatient: pages.records.relatedPatient,
        }),
        accessFor: createAccessFactory({
          definitions: fhir.definitions,
          indexResource: fhir.indexResource,
          explain: config.mode === 'sandbox',
          policySubject: createPolicySubjectLoader(registry),
        }),
      },
      bulk: { service: bulk.serviceAt(tenantId, fhirDeps) },
      fhirGate,
      token: { deps: tokens },
      ...(sandbox ? { extraSurfaces: sandbox.surfacesAt({ tokens, clients: registry.clients, records: pages.records, fhir: fhirDeps, issuer }) } : {}),
      ui: {
        sessions: pages.sessions,
        signIn: pages.signIn,
        signOut: pages.signOut,
        // Its own session cookie: a sign-in here is nobody's at another tenant.
        cookies: { secret: config.sessions.secret, secure: config.baseUrl.startsWith('https:'), tenant: tenantId },
        frameAncestors: config.frameAncestors,
        origin: new URL(config.baseUrl).origin,
        authorize: pages.authorize,
        apps: pages.apps,
        history: pages.history,
        sitePrefix: tenantPathPrefix(tenantId),
        sandbox: config.mode === 'sandbox',
        // Its name as it is now: a renamed tenant's front door says so at once.
        landing: async () => landingModel(config, { id: tenantId, name: (await auth.auth.tenants.get(tenantId))?.name ?? tenantId }, sandbox),
        brand: async () => {
          const tenant = await auth.auth.tenants.get(tenantId);
          return tenant && { name: tenant.name, ...(tenant.logo ? { logo: tenant.logo } : {}), ...(tenant.color ? { color: tenant.color } : {}) };
        },
        console: consoleOptions(config, auth, tenantId, runtime, { storage, bulk }),
        federation: { service: pages.federation, pendingLifetimeSeconds: FEDERATION_PENDING_SECONDS },
      },
      admin: {
        admin: auth.tenantAdmin(tenantId),
        // Its administrators are its Users with the role admin; the root client manages every tenant.
        access: tenantAdministration,
        baseUrl: issuer,
        defaultPageSize: config.fhir.defaultPageSize,
        maxPageSize: config.fhir.maxPageSize,
      },
      discovery: { smartConfiguration: discovery.smartConfiguration, openidConfiguration: discovery.openidConfiguration },
      oauth: { signingKeys: auth.signingKeys, registration: auth.registrationAt(tenantId), access: tenantAdministration },
      cors: { allowedOrigins: config.cors.allowedOrigins },
      logLevel: config.logLevel,
      trustProxy: config.trustProxy,
      maxBodyBytes: config.fhir.maxBodyBytes,
      maxJsonDepth: config.fhir.maxJsonDepth,
    });
  }

  return {
    async appFor(tenantId) {
      // The default tenant is served at the root URLs, under the issuer BASE_URL.
      if (tenantId === DEFAULT_TENANT) return undefined;
      const tenant = await auth.auth.tenants.get(tenantId);
      if (!tenant || tenant.active === false) return undefined;
      let app = apps.get(tenantId);
      if (!app) {
        app = build(tenantId);
        apps.set(tenantId, app);
        // A failed build is not kept: the next request tries again.
        app.catch(() => apps.delete(tenantId));
      }
      return app;
    },
    async close() {
      const built = await Promise.allSettled(apps.values());
      apps.clear();
      await Promise.all(built.map((b) => (b.status === 'fulfilled' ? b.value.close() : undefined)));
    },
  };
}
