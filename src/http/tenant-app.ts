import Fastify, { type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { ENDPOINTS } from '../endpoints.ts';
import type { FhirDeps } from '../fhir/interaction.ts';
import { corsHook, type CorsOptions } from './cors/cors-policy.ts';
import { discoveryPlugin, type DiscoveryPluginOptions } from './discovery/discovery-plugin.ts';
import type { ConcurrencyGate } from './fhir/concurrency-gate.ts';
import type { BulkRouteOptions } from './fhir/bulk-routes.ts';
import { fhirPlugin, renderError as renderFhirError, type FhirAuthOptions } from './fhir/fhir-plugin.ts';
import { oauthPlugin, type OAuthPluginOptions } from './oauth/oauth-plugin.ts';
import { renderOAuthError } from './oauth/oauth-errors.ts';
import { preRouteErrors } from './pre-route-errors.ts';
import { serverOptions } from './server-options.ts';
import { tokenPlugin, type TokenPluginOptions } from './token/token-plugin.ts';
import { adminPlugin, type AdminPluginOptions } from './admin/admin-plugin.ts';
import { renderAdminError } from './admin/admin-render.ts';
import { noStore } from './no-store.ts';
import type { ExtraSurface } from './app.ts';
import { pageSecurityHeaders } from './ui/page-headers.ts';
import { PAGE_PATHS, renderPageError, uiPlugin, type UiPluginOptions } from './ui/ui-plugin.ts';
import { notFoundHandler } from './ui/page-not-found.ts';
import { renderMessagePage } from '../ui/message-page.ts';
import { FhirError, issue } from '../fhir/outcome.ts';
import { notFound } from '../auth/admin/admin-error.ts';

/** What a tenant's administrators manage at /t/{tenant}/…: not tenants themselves. */
export const TENANT_ADMIN_KINDS = ['Client', 'User', 'AccessPolicy', 'IdentityProvider'] as const;

/** One tenant's surfaces, below its `/t/{tenant}` prefix (the dispatcher strips it before they route). */
export interface TenantAppOptions {
  fhir: FhirDeps;
  fhirAuth: FhirAuthOptions;
  /** Bulk Data export of the tenant's resources. */
  bulk: BulkRouteOptions;
  /** Shared with every other tenant's FHIR API and the default one: one process, one budget. */
  fhirGate: ConcurrencyGate;
  token: Omit<TokenPluginOptions, 'maxJsonDepth'>;
  /** Its sign-in, authorize, consent and authorized-apps pages, with its branding. */
  ui: UiPluginOptions;
  /** The sandbox's surfaces for this tenant (sandbox mode only). */
  extraSurfaces?: readonly ExtraSurface[];
  /** The tenant's admin API (its administrators, and the root client). */
  admin: Omit<AdminPluginOptions, 'maxJsonDepth' | 'kinds'>;
  discovery: DiscoveryPluginOptions;
  /**
   * The JWKS (one serves every tenant; each tenant's discovery names it under its own issuer too), its dynamic
   * client registration, and initial access tokens from its administrators.
   */
  oauth: Omit<OAuthPluginOptions, 'maxJsonDepth'>;
  cors: CorsOptions;
  logLevel: string;
  trustProxy: boolean | readonly string[];
  maxBodyBytes: number;
  maxJsonDepth: number;
}

/**
 * The HTTP application of one tenant: the surfaces that know their tenant so far (the FHIR API on its own data with
 * Bulk Data export, discovery naming its own issuer and endpoints, the JWKS, the pages from sign-in to consent, the
 * token side, and its admin API). Everything else answers 404 here until it is bound to the tenant too: nothing
 * falls through to the default tenant's surfaces.
 */
export async function buildTenantApp(options: TenantAppOptions): Promise<FastifyInstance> {
  const preRoute = preRouteErrors(
    [
      { prefixes: [ENDPOINTS.fhir.path, ENDPOINTS.openFhir.path], render: renderFhirError },
      { prefixes: TENANT_ADMIN_KINDS.map((kind) => `/${kind}`), render: (error, request, reply) => renderAdminError(error, request, noStore(reply)) },
      { prefixes: PAGE_PATHS, render: (error, request, reply) => renderPageError(error, request, reply.headers(pageSecurityHeaders(options.ui.frameAncestors))) },
    ],
    renderOAuthError,
  );
  const app = Fastify(serverOptions(options, preRoute));
  app.setNotFoundHandler(notFoundHandler(options.ui.frameAncestors));
  app.addHook('onRequest', corsHook(options.cors));
  await app.register(fhirPlugin, { prefix: ENDPOINTS.fhir.path, deps: options.fhir, maxJsonDepth: options.maxJsonDepth, auth: options.fhirAuth, gate: options.fhirGate, bulk: options.bulk });
  await app.register(discoveryPlugin, options.discovery);
  await app.register(oauthPlugin, { ...options.oauth, maxJsonDepth: options.maxJsonDepth });
  await app.register(uiPlugin, options.ui);
  await app.register(tokenPlugin, { ...options.token, maxJsonDepth: options.maxJsonDepth });
  await app.register(adminPlugin, { ...options.admin, kinds: TENANT_ADMIN_KINDS, maxJsonDepth: options.maxJsonDepth });
  for (const surface of options.extraSurfaces ?? []) await surface(app, { maxJsonDepth: options.maxJsonDepth, fhirGate: options.fhirGate });
  await app.ready();
  return app;
}

/** The tenants' applications, by tenant id; undefined for a tenant that does not exist or is inactive. */
export interface TenantApps {
  appFor(tenantId: string): Promise<FastifyInstance | undefined>;
}

/** `/t/{tenant}` and what follows it (path, query) in a request URL as sent. */
const TENANT_URL = /^\/t\/([^/?#]*)([^?#]*)(\?.*)?$/;

/**
 * An onRequest hook for the root application: a request below `/t/{tenant}` is handed, before anything of the root
 * application reads it, to that tenant's application with the prefix removed, and answered there. An unknown or
 * inactive tenant is 404, as a tenant that never existed.
 */
export function dispatchToTenants(tenants: TenantApps, isTenantId: (id: string) => boolean) {
  const NO_TENANT = 'There is no such tenant';
  return async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined> => {
    if (!request.url.startsWith('/t/')) return undefined;
    const match = TENANT_URL.exec(request.url);
    const id = match?.[1] ?? '';
    // Answers in the shape of the surface the rest of the path names: FHIR and the admin API answer OperationOutcomes.
    const rest = match?.[2] ?? '';
    const under = (prefix: string) => rest === prefix || rest.startsWith(`${prefix}/`);
    const surface = under(ENDPOINTS.fhir.path) || under(ENDPOINTS.openFhir.path)
      ? 'fhir'
      : TENANT_ADMIN_KINDS.some((kind) => under(`/${kind}`))
        ? 'admin'
        : rest === '' || rest === '/' || PAGE_PATHS.some(under)
          ? 'page'
          : 'oauth';
    let tenantApp: FastifyInstance | undefined;
    try {
      tenantApp = isTenantId(id) ? await tenants.appFor(id) : undefined;
    } catch (error) {
      // The tenant could not be looked up (its database busy or out of reach): 503 with Retry-After, as each surface says it.
      if (surface === 'fhir') return renderFhirError(error, request, reply);
      if (surface === 'admin') return renderAdminError(error, request, noStore(reply));
      if (surface === 'page') return renderPageError(error as FastifyError, request, reply.headers(pageSecurityHeaders([])));
      return renderOAuthError(error as Error, request, reply);
    }
    if (!tenantApp) {
      if (surface === 'fhir') return renderFhirError(new FhirError(404, issue('not-found', NO_TENANT)), request, reply);
      if (surface === 'admin') return renderAdminError(notFound(NO_TENANT), request, noStore(reply));
      if (surface === 'page') {
        return reply.code(404).headers(pageSecurityHeaders([])).type('text/html; charset=utf-8').send(renderMessagePage({ title: 'Not found', message: `${NO_TENANT}.` }));
      }
      return noStore(reply).code(404).type('application/json').send(JSON.stringify({ error: 'not_found', error_description: NO_TENANT }));
    }
    reply.hijack();
    request.raw.url = `${match?.[2] || '/'}${match?.[3] ?? ''}`;
    tenantApp.routing(request.raw, reply.raw);
    return reply;
  };
}
