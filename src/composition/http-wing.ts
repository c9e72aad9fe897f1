import type { FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import type { DiscoveryDocuments } from '../auth/discovery/discovery-documents.ts';
import { DatabaseBusy } from '../fhir/storage-fault.ts';
import { buildApp } from '../http/app.ts';
import { createConcurrencyGate } from '../http/fhir/concurrency-gate.ts';
import { controlByLoopDelay } from '../http/fhir/loop-delay-control.ts';
import type { AuthWing } from './auth-wing.ts';
import type { BulkWing } from './bulk-wing.ts';
import type { FhirWing } from './fhir-wing.ts';
import type { SandboxWing } from './sandbox-wing.ts';
import type { Runtime } from './runtime.ts';
import { FEDERATION_PENDING_SECONDS } from './federation-wing.ts';
import type { StorageWing } from './storage-wing.ts';
import { buildTenantWing } from './tenant-wing.ts';
import { landingModel } from './landing-model.ts';
import { signUpDeveloper } from '../auth/developer/developer-signup.ts';
import { ENDPOINTS } from '../endpoints.ts';
import { docsModel } from './docs-model.ts';
import { buildOpenApiDocument } from '../http/docs/openapi-document.ts';
import { launcherPages } from './launcher-pages.ts';
import { consoleOptions } from './console-options.ts';

export interface HttpWingInputs {
  storage: StorageWing;
  fhir: FhirWing;
  auth: AuthWing;
  bulk: BulkWing;
  discovery: DiscoveryDocuments;
  /** Present in sandbox mode only. */
  sandbox?: SandboxWing;
}

/** The HTTP application over the other wings: one surface each for FHIR, OAuth, admin, RPC, tokens, pages and discovery. */
export async function buildHttpWing(config: Config, { storage, fhir, auth, bulk, discovery, sandbox }: HttpWingInputs, runtime: Runtime): Promise<FastifyInstance> {
  const { db, authDb } = storage;
  const { maxConcurrent, maxQueue, loopDelayTargetMs } = config.fhir;
  const fhirGate = createConcurrencyGate(maxConcurrent, maxQueue);
  const tenants = buildTenantWing(config, { storage, fhir, auth, bulk, fhirGate, ...(sandbox ? { sandbox } : {}) }, runtime);
  const root = landingModel(config, undefined, sandbox);
  const scopes = discovery.smartConfiguration.scopes_supported as string[];
  const app = await buildApp({
    tenants,
    fhir: fhir.fhir,
    oauth: { signingKeys: auth.signingKeys, registration: auth.registration, access: auth.adminAccess },
    admin: {
      admin: auth.admin,
      access: auth.adminAccess,
      baseUrl: config.baseUrl,
      defaultPageSize: config.fhir.defaultPageSize,
      maxPageSize: config.fhir.maxPageSize,
    },
    fhirAuth: { authenticate: auth.fhirAuthenticate, accessFor: auth.accessFor },
    bulkExport: { service: bulk.service },
    fhirGate,
    rpc: { methods: auth.rpcMethods, access: auth.adminAccess },
    token: { deps: auth.tokens },
    ...(sandbox ? { extraSurfaces: sandbox.surfaces } : {}),
    ui: {
      sessions: auth.sessions,
      signIn: auth.signIn,
      signOut: auth.signOut,
      cookies: { secret: config.sessions.secret, secure: config.baseUrl.startsWith('https:') },
      // The sandbox's EHR frame (/launcher) shows its app's sign-in and consent, our own pages, inside it: our own
      // origin may frame them there. Production keeps FRAME_ANCESTORS as configured (none by default).
      frameAncestors: config.mode === 'sandbox' ? ["'self'", ...config.frameAncestors] : config.frameAncestors,
      origin: new URL(config.baseUrl).origin,
      authorize: auth.authorize,
      apps: auth.apps,
      history: auth.history,
      federation: { service: auth.federation, pendingLifetimeSeconds: FEDERATION_PENDING_SECONDS },
      sandbox: config.mode === 'sandbox',
      landing: async () => root,
      portal: {
        apps: auth.developerApps,
        signUp: (input, origin) => signUpDeveloper(input, { users: auth.here.users, newId: runtime.newId, audit: auth.registryAudit }, origin),
        signupOpen: config.portal.signup === 'open',
        issueRegistrationToken: (userId) => auth.registration.issueInitialAccessToken(`User/${userId}`),
        registrationUrl: `${config.baseUrl}${ENDPOINTS.registration.path}`,
        sandbox: config.mode === 'sandbox',
      },
      docs: docsModel(config, scopes, sandbox),
      launcher: launcherPages(config, auth, runtime),
      console: consoleOptions(config, auth, undefined, runtime, { storage, bulk }),
    },
    docs: { openApi: () => JSON.stringify(buildOpenApiDocument({ baseUrl: config.baseUrl, scopes })) },
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
  app.addHook('onClose', async () => tenants.close());
  if (maxConcurrent > 0 && loopDelayTargetMs > 0) {
    const control = controlByLoopDelay(fhirGate, { ceiling: maxConcurrent, targetMs: loopDelayTargetMs });
    app.addHook('onClose', async () => control.stop());
  }
  return app;
}
