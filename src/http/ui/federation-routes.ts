import { fastifyCookie } from '@fastify/cookie';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FederatedSignIn, FederationRefusal } from '../../auth/federation/federated-sign-in.ts';
import { safeReturnTo } from '../../auth/sessions/return-to.ts';
import { upstreamPrompts } from '../../auth/federation/upstream-client.ts';
import { ENDPOINTS } from '../../endpoints.ts';
import { renderMessagePage } from '../../ui/message-page.ts';
import { pagePath, type PageSite } from '../../ui/page-site.ts';
import { siteOf } from './page-site-of.ts';
import { clearCookie, csrfCookieName, sessionIdFrom, setSessionCookie, type SessionCookieSettings } from './session-cookie.ts';
import type { UiPluginOptions } from './ui-plugin.ts';

const FEDERATION = ENDPOINTS.federation.path;

/** The cookie binding an upstream sign-in to the browser that started it (one per tenant, as the session's). */
function bindingCookieName(settings: Pick<SessionCookieSettings, 'secure' | 'tenant'>): string {
  const name = settings.tenant ? `portico_federation_${settings.tenant}` : 'portico_federation';
  return settings.secure ? `__Host-${name}` : name;
}

/** The binding this browser holds, when its cookie's signature is ours. */
function browserTokenOf(request: FastifyRequest, cookies: SessionCookieSettings): string | undefined {
  const raw = request.headers.cookie ? fastifyCookie.parse(request.headers.cookie)[bindingCookieName(cookies)] : undefined;
  const unsigned = raw ? fastifyCookie.unsign(raw, cookies.secret) : undefined;
  return unsigned?.valid && unsigned.value ? unsigned.value : undefined;
}

/**
 * GET /auth/federation/{id}/start and /auth/federation/{id}/callback: the browser's trip to one of the tenant's identity
 * providers and back (src/auth/federation decides everything; this file only translates). Both are GETs: the start is
 * a link of the sign-in page (or idp_hint's redirect) and changes nothing but this browser's pending sign-in; the
 * callback is the upstream's redirect, bound to this browser by a SameSite=Lax cookie and to the sign-in by its state.
 */
export function federationRoutes(app: FastifyInstance, options: UiPluginOptions, federation: FederatedSignIn, pendingLifetimeSeconds: number): void {
  const { cookies, sessions } = options;
  const page = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);
  const signInAgain = (site: PageSite, returnTo: string | undefined) => ({
    href: `${pagePath(site, ENDPOINTS.login.path)}${returnTo ? `?return_to=${encodeURIComponent(returnTo)}` : ''}`,
    text: 'Back to sign-in',
  });
  const refused = (request: FastifyRequest, reply: FastifyReply, outcome: FederationRefusal) => {
    const site = siteOf(request);
    return page(reply, outcome.status, renderMessagePage({ title: outcome.title, message: outcome.message, link: signInAgain(site, outcome.returnTo), site }));
  };

  app.get<{ Params: { id: string }; Querystring: { return_to?: unknown; prompt?: unknown } }>(`${FEDERATION}/:id/start`, async (request, reply) => {
    const site = siteOf(request);
    const returnTo = safeReturnTo(request.query.return_to, pagePath(site, ENDPOINTS.management.path));
    const held = browserTokenOf(request, cookies);
    const started = await federation.start({ providerId: request.params.id, returnTo, clientIp: request.ip, prompts: upstreamPrompts(request.query.prompt), ...(held ? { browserToken: held } : {}) });
    if (started.kind === 'refused') {
      // No such provider here (an idp_hint naming none, a provider turned off meanwhile): the sign-in page instead.
      if (started.status === 404) return reply.code(303).header('location', signInAgain(site, returnTo).href).send();
      return refused(request, reply, started);
    }
    const cookie = fastifyCookie.serialize(bindingCookieName(cookies), fastifyCookie.sign(started.browserToken, cookies.secret), {
      path: '/',
      httpOnly: true,
      // Lax: sent on the upstream's top-level redirect back to the callback, never on cross-site subrequests.
      sameSite: 'lax',
      secure: cookies.secure,
      maxAge: pendingLifetimeSeconds,
    });
    return reply.code(303).header('set-cookie', cookie).header('location', started.url).send();
  });

  app.get<{ Params: { id: string } }>(`${FEDERATION}/:id/callback`, async (request, reply) => {
    const query = new URL(request.url, 'http://callback.invalid').searchParams;
    const finished = await federation.finish({ providerId: request.params.id, query, browserToken: browserTokenOf(request, cookies), clientIp: request.ip });
    // The binding cookie stays (it expires): another tab's sign-in under way finishes with it; alone it grants nothing.
    if (finished.kind === 'refused') return refused(request, reply, finished);
    // As after a password sign-in: a session this browser had before ends, the new one has a fresh id (session
    // fixation), and the anti-CSRF secret is renewed.
    await sessions.end(sessionIdFrom(request, cookies));
    setSessionCookie(reply, finished.sessionId, cookies);
    clearCookie(reply, csrfCookieName(cookies), cookies);
    return reply.code(303).header('location', finished.returnTo).send();
  });
}
