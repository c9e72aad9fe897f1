import Fastify, { type FastifyInstance } from 'fastify';
import { ENDPOINTS } from '../endpoints.ts';
import type { FhirDeps } from '../fhir/interaction.ts';
import { StorageFault } from '../fhir/storage-fault.ts';
import { ADMIN_KINDS } from '../auth/admin/registry-admin.ts';
import { adminPlugin, type AdminPluginOptions } from './admin/admin-plugin.ts';
import { renderAdminError } from './admin/admin-render.ts';
import { corsHook, type CorsOptions } from './cors/cors-policy.ts';
import { discoveryPlugin, type DiscoveryPluginOptions } from './discovery/discovery-plugin.ts';
import { fhirPlugin, renderError as renderFhirError, type FhirAuthOptions } from './fhir/fhir-plugin.ts';
import type { BulkRouteOptions } from './fhir/bulk-routes.ts';
import type { ConcurrencyGate } from './fhir/concurrency-gate.ts';
import { noStore } from './no-store.ts';
import { renderOAuthError } from './oauth/oauth-errors.ts';
import { oauthPlugin, type OAuthPluginOptions } from './oauth/oauth-plugin.ts';
import { preRouteErrors } from './pre-route-errors.ts';
import { serverOptions } from './server-options.ts';
import { renderRpcError, rpcPlugin, type RpcPluginOptions } from './rpc/rpc-plugin.ts';
import { pageSecurityHeaders } from './ui/page-headers.ts';
import { PAGE_PATHS, renderPageError, uiPlugin, type UiPluginOptions } from './ui/ui-plugin.ts';
import { notFoundHandler } from './ui/page-not-found.ts';
import { tokenPlugin, type TokenPluginOptions } from './token/token-plugin.ts';
import { docsPlugin, type DocsPluginOptions } from './docs/docs-plugin.ts';
import { dispatchToTenants, type TenantApps } from './tenant-app.ts';
import { TENANT_ID } from '../auth/tenants/tenant.ts';

export interface AppOptions {
  fhir: FhirDeps;
  /** How FHIR API callers authenticate (bearer tokens, root Basic) and what their tokens reach. */
  fhirAuth: FhirAuthOptions;
  /** Bulk Data export on the FHIR API (absent: not served). */
  bulkExport?: BulkRouteOptions;
  /** The FHIR requests worked on at once, over every FHIR mount (FHIR_MAX_CONCURRENT, FHIR_MAX_QUEUE). */
  fhirGate: ConcurrencyGate;
  /** JWKS and dynamic client registration. */
  oauth: Omit<OAuthPluginOptions, 'maxJsonDepth'>;
  /** The registry's admin API (/Client, /User, /AccessPolicy) and POST /rpc. */
  admin: Omit<AdminPluginOptions, 'maxJsonDepth'>;
  rpc: Omit<RpcPluginOptions, 'maxJsonDepth'>;
  /** The token, introspection, revocation and userinfo endpoints. */
  token: Omit<TokenPluginOptions, 'maxJsonDepth'>;
  /** Surfaces only some modes serve (the sandbox's), registered after the others; their paths otherwise answer 404. */
  extraSurfaces?: readonly ExtraSurface[];
  /** The sign-in and sign-out pages (HTML). */
  ui: UiPluginOptions;
  /** The SMART and OpenID Connect well-known documents. */
  discovery: DiscoveryPluginOptions;
  /** Cross-origin access to the FHIR API, discovery and the token-side OAuth endpoints. */
  cors: CorsOptions;
  /** Resolves when the database answers; a StorageFault of kind `busy` while a pool refuses work. */
  ping: () => Promise<void>;
  logLevel: string;
  /** Whose X-Forwarded-For names the client (request.ip): Fastify's trustProxy. */
  trustProxy: boolean | readonly string[];
  maxBodyBytes: number;
  maxJsonDepth: number;
  /** The OpenAPI document (absent: /docs/openapi.json is not served). */
  docs?: DocsPluginOptions;
  /** The tenants' applications, served below /t/{tenant}; absent: /t/ is an ordinary (unserved) path. */
  tenants?: TenantApps;
}

/** Registers a surface beyond the standard ones, with the limits every surface's parsers apply. */
export type ExtraSurface = (app: FastifyInstance, limits: { maxJsonDepth: number; fhirGate: ConcurrencyGate }) => Promise<void>;

/** The HTTP application: one encapsulated plugin per surface, each with its own parsers and error renderer. */
export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  // Errors raised before routing (a malformed URL) answer in the shape of the surface the path names.
  const preRoute = preRouteErrors(
    [
      { prefixes: [ENDPOINTS.fhir.path, ENDPOINTS.openFhir.path], render: renderFhirError },
      { prefixes: ADMIN_KINDS.map((kind) => `/${kind}`), render: (error, request, reply) => renderAdminError(error, request, noStore(reply)) },
      { prefixes: [ENDPOINTS.rpc.path], render: (error, request, reply) => renderRpcError(error, request, noStore(reply)) },
      { prefixes: PAGE_PATHS, render: (error, request, reply) => renderPageError(error, request, reply.headers(pageSecurityHeaders(options.ui.frameAncestors))) },
    ],
    renderOAuthError,
  );
  const app = Fastify(serverOptions(options, preRoute));
  app.setNotFoundHandler(notFoundHandler(options.ui.frameAncestors));

  // First of all: a tenant's request is its application's, CORS included.
  if (options.tenants) app.addHook('onRequest', dispatchToTenants(options.tenants, (id) => TENANT_ID.test(id)));
  // Before every surface, so that their routes, errors and 404s all pass through it.
  app.addHook('onRequest', corsHook(options.cors));

  app.get(ENDPOINTS.health.path, async () => ({ status: 'ok' }));
  // A load balancer sends new work elsewhere while this process sheds it or cannot reach the database.
  app.get(ENDPOINTS.ready.path, async (_request, reply) => {
    try {
      await options.ping();
      return { status: 'ready' };
    } catch (err) {
      if (err instanceof StorageFault) reply.header('retry-after', String(err.retryAfterSeconds));
      if (err instanceof StorageFault && err.kind === 'busy') {
        return reply.code(503).send({ status: 'overloaded', reason: 'every database connection is in use and the queue is full' });
      }
      return reply.code(503).send({ status: 'unavailable', reason: 'database unreachable' });
    }
  });

  await app.register(fhirPlugin, {
    prefix: ENDPOINTS.fhir.path,
    deps: options.fhir,
    maxJsonDepth: options.maxJsonDepth,
    auth: options.fhirAuth,
    gate: options.fhirGate,
    ...(options.bulkExport ? { bulk: options.bulkExport } : {}),
  });
  await app.register(discoveryPlugin, options.discovery);
  await app.register(oauthPlugin, { ...options.oauth, maxJsonDepth: options.maxJsonDepth });
  await app.register(adminPlugin, { ...options.admin, maxJsonDepth: options.maxJsonDepth });
  await app.register(rpcPlugin, { ...options.rpc, maxJsonDepth: options.maxJsonDepth });
  await app.register(uiPlugin, options.ui);
  await app.register(tokenPlugin, { ...options.token, maxJsonDepth: options.maxJsonDepth });
  if (options.docs) await app.register(docsPlugin, options.docs);
  for (const surface of options.extraSurfaces ?? []) await surface(app, { maxJsonDepth: options.maxJsonDepth, fhirGate: options.fhirGate });
  return app;
}
