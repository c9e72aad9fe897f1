import { fastifyCookie } from '@fastify/cookie';
import { fastifyCsrfProtection } from '@fastify/csrf-protection';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { StorageFault } from '../../fhir/storage-fault.ts';
import { refusedFormPage } from './cross-site-guard.ts';
import type { SessionService } from '../../auth/sessions/session-service.ts';
import type { SignInRequest, SignInResult, SignOutRequest } from '../../auth/sessions/sign-in.ts';
import { renderMessagePage } from '../../ui/message-page.ts';
import { STYLESHEET, STYLESHEET_PATH } from '../../ui/stylesheet.ts';
import { COPY_BUTTON_SCRIPT, COPY_BUTTON_SCRIPT_PATH } from '../../ui/copy-button-script.ts';
import { portalRoutes, type PortalOptions } from './portal-routes.ts';
import type { AuthorizeDeps } from '../../auth/authorize/authorize-step.ts';
import { authorizeRoutes } from './authorize-routes.ts';
import type { AuthorizedApps } from '../../auth/grants/authorized-apps.ts';
import type { AccountHistory } from '../../auth/audit/account-history.ts';
import { APPS_PAGE_PATH } from '../../ui/apps-page.ts';
import { appsRoutes } from './apps-routes.ts';
import { refuseForbiddenText } from '../forbidden-text-hook.ts';
import { acceptForms, formField } from './form-body.ts';
import { refusedRequest } from './refused-request.ts';
import { loginRoutes } from './login-routes.ts';
import { federationRoutes } from './federation-routes.ts';
import type { FederatedSignIn } from '../../auth/federation/federated-sign-in.ts';
import { landingRoutes } from './landing-routes.ts';
import type { LandingModel } from '../../ui/landing-page.ts';
import type { DocsModel } from '../../ui/docs-page.ts';
import { docsRoutes } from './docs-routes.ts';
import { pageHeadersHook } from './page-headers.ts';
import { csrfCookieName, type SessionCookieSettings } from './session-cookie.ts';
import { ENDPOINTS } from '../../endpoints.ts';
import { BRAND_STYLESHEET_PATH, brandStylesheet, type PageBrand } from '../../ui/page-site.ts';
import { pageSiteHook, siteOf } from './page-site-of.ts';
import { launcherRoutes, type LauncherPagesDeps } from './launcher-routes.ts';
import { consoleRoutes } from './console/console-routes.ts';
import type { ConsoleOptions } from './console/console-context.ts';

export interface UiPluginOptions {
  sessions: SessionService;
  signIn: (request: SignInRequest) => Promise<SignInResult>;
  /** Ends the browser's session and records the sign-out. */
  signOut: (request: SignOutRequest) => Promise<void>;
  cookies: SessionCookieSettings;
  /** Origins allowed to frame the pages (an embedding EHR); empty: none. */
  frameAncestors: readonly string[];
  /** Our public origin: a form POST carrying another Origin is refused before anything else. */
  origin: string;
  /** The authorization endpoint's dependencies; without them /auth/authorize is not served. */
  authorize?: AuthorizeDeps;
  /** The user's authorized apps; without them /auth/apps is not served. */
  apps?: AuthorizedApps;
  /** What the audit trail tells the signed-in user (their apps' requests, their sign-ins), on the apps page; without it, not shown. */
  history?: AccountHistory;
  /** Below what the browser reaches these pages: '' at the root, `/t/{tenant}` at a tenant (absent: ''). */
  sitePrefix?: string;
  /** The tenant's branding as it is now (absent: none). */
  brand?: () => Promise<PageBrand | undefined>;
  /** Sandbox mode: every page carries a badge saying so. */
  sandbox?: boolean;
  /** What the landing page (`GET /`) says; without it, / is not served. */
  landing?: () => Promise<LandingModel>;
  /** The developer portal (/portal); without it, not served. */
  portal?: PortalOptions;
  /** What the API docs page (`GET /docs`) says; without it, /docs is not served. */
  docs?: DocsModel;
  /** The EHR launcher and token inspector; without it, /launcher is not served. */
  launcher?: LauncherPagesDeps;
  /** The admin console (/admin); without it, not served. */
  console?: ConsoleOptions;
  /** Sign-in through the tenant's identity providers (/auth/federation); without it, not served. */
  federation?: { service: FederatedSignIn; pendingLifetimeSeconds: number };
}

/** Where the pages live (the other paths under /auth are the OAuth endpoints'). */
export const PAGE_PATHS = [ENDPOINTS.login.path, ENDPOINTS.logout.path, ENDPOINTS.authorization.path, APPS_PAGE_PATH, ENDPOINTS.assets.path, ENDPOINTS.portal.path, ENDPOINTS.docs.path, ENDPOINTS.launcher.path, ENDPOINTS.console.path, ENDPOINTS.invitation.path, ENDPOINTS.federation.path] as const;

/** The server-rendered pages (sign-in, sign-out; consent next): HTML, CSRF-protected forms, strict page headers. */
export async function uiPlugin(app: FastifyInstance, options: UiPluginOptions): Promise<void> {
  acceptForms(app);
  await app.register(fastifyCookie, { secret: options.cookies.secret });
  // Double-submit with a signed secret cookie (OWASP "signed double-submit"): the token in the form is
  // derived from a secret in an HttpOnly cookie only this server can sign. Works before sign-in (login CSRF).
  await app.register(fastifyCsrfProtection, {
    cookieKey: csrfCookieName(options.cookies),
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: options.cookies.secure, signed: true },
    getToken: (request) => formField(request.body, 'csrf_token') || undefined,
  });
  app.addHook('onRequest', pageSiteHook(options.sitePrefix ?? '', options.brand, options.sandbox));
  app.addHook('onSend', pageHeadersHook(options.frameAncestors));
  app.setErrorHandler((error: FastifyError, request, reply) => renderPageError(error, request, reply));
  app.addHook('onRequest', refuseForbiddenText(refusedRequest));

  app.get(STYLESHEET_PATH, async (_request, reply) => reply.type('text/css; charset=utf-8').send(STYLESHEET));
  app.get(COPY_BUTTON_SCRIPT_PATH, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(COPY_BUTTON_SCRIPT));
  app.get(BRAND_STYLESHEET_PATH, async (request, reply) => {
    const color = siteOf(request).brand?.color;
    if (!color) return reply.code(404).type('text/css; charset=utf-8').send('');
    return reply.type('text/css; charset=utf-8').send(brandStylesheet(color));
  });
  if (options.landing) landingRoutes(app, options.landing);
  if (options.docs) docsRoutes(app, options.docs);
  loginRoutes(app, options);
  if (options.federation) federationRoutes(app, options, options.federation.service, options.federation.pendingLifetimeSeconds);
  if (options.authorize) authorizeRoutes(app, options, options.authorize);
  if (options.apps) appsRoutes(app, options, options.apps, options.history);
  if (options.portal) portalRoutes(app, options, options.portal);
  if (options.launcher) launcherRoutes(app, options, options.launcher);
  if (options.console) consoleRoutes(app, options, options.console);
}

/** The pages' error renderer: an HTML message page, "Request refused" for any 4xx (the page headers are the caller's). */
export function renderPageError(error: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const site = siteOf(request);
  if (error instanceof StorageFault) {
    if (error.kind !== 'busy') request.log.warn({ err: error }, 'database fault in page request');
    return reply
      .code(503)
      .header('retry-after', String(error.retryAfterSeconds))
      .type('text/html; charset=utf-8')
      .send(renderMessagePage({ title: 'Temporarily unavailable', message: 'The server cannot complete this request right now. Try again in a moment.', site }));
  }
  const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 600 ? error.statusCode : 500;
  reply.code(status).type('text/html; charset=utf-8');
  if (error.code === 'FST_CSRF_MISSING_SECRET' || error.code === 'FST_CSRF_INVALID_TOKEN') return reply.send(refusedFormPage(site));
  if (status >= 500) {
    request.log.error({ err: error }, 'page failed');
    return reply.send(renderMessagePage({ title: 'Something went wrong', message: 'The server could not complete this request. Try again later.', site }));
  }
  // Framework errors (415 media type, 413 too large, 400 bad body): a short, fixed explanation.
  return reply.send(renderMessagePage({ title: 'Request refused', message: 'The request could not be understood. Go back and try again.', site }));
}
