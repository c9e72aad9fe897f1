import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { appIdentityOf, type AppIdentity } from '../../auth/authorize/app-identity.ts';
import { safeReturnTo } from '../../auth/sessions/return-to.ts';
import { upstreamPrompts } from '../../auth/federation/upstream-client.ts';
import { LOGIN_FAILED_MESSAGE, LOGIN_THROTTLED_MESSAGE, PASSWORD_LOGIN_OFF_MESSAGE, renderLoginPage, type LoginPageModel } from '../../ui/login-page.ts';
import { renderLogoutPage, renderMessagePage } from '../../ui/message-page.ts';
import { formField } from './form-body.ts';
import { clearCookie, csrfCookieName, sessionCookieName, sessionIdFrom, setSessionCookie } from './session-cookie.ts';
import { crossSiteGuard } from './cross-site-guard.ts';
import type { UiPluginOptions } from './ui-plugin.ts';
import { ENDPOINTS } from '../../endpoints.ts';
import { pagePath, type PageSite } from '../../ui/page-site.ts';
import { allowImageFrom, siteOf } from './page-site-of.ts';

const MAX_EMAIL = 320;
const MAX_PASSWORD = 1024;

const page = (reply: FastifyReply, status: number, body: string) => reply.code(status).type('text/html; charset=utf-8').send(body);

/** GET/POST /auth/login and /auth/logout. */
export function loginRoutes(app: FastifyInstance, options: UiPluginOptions): void {
  const { sessions, cookies } = options;
  /** The app a sign-in is for, when it returns to an authorization request of an active client. */
  const appAsking = async (request: FastifyRequest, returnTo: string): Promise<AppIdentity | undefined> => {
    const authorize = pagePath(siteOf(request), ENDPOINTS.authorization.path);
    if (!options.authorize || !returnTo.startsWith(`${authorize}?`)) return undefined;
    const clientId = new URLSearchParams(returnTo.slice(authorize.length + 1)).get('client_id');
    const client = clientId ? await options.authorize.clients.get(clientId) : undefined;
    if (!client || client.active === false) return undefined;
    const identity = appIdentityOf(client);
    if (identity.logo) allowImageFrom(request, identity.logo);
    return identity;
  };
  const guarded = { preHandler: [crossSiteGuard(options.origin), app.csrfProtection] };
  /** The tenant's identity providers' buttons, and whether it still signs in with passwords. */
  const signInMethods = async (site: PageSite, returnTo: string, prompt?: unknown): Promise<Pick<LoginPageModel, 'providers' | 'passwordLogin'>> => {
    const federation = options.federation?.service;
    if (!federation) return {};
    // One after the other: a sign-in page holds at most one connection of the auth pool at a time.
    const providers = await federation.options();
    const passwordLogin = await federation.passwordLogin();
    // A forced sign-in (prompt=login) is the upstream's to force: the buttons carry it on.
    const prompts = upstreamPrompts(prompt);
    const promptQuery = prompts.length > 0 ? `&prompt=${encodeURIComponent(prompts.join(' '))}` : '';
    return {
      providers: providers.map((p) => ({ title: p.title, href: `${pagePath(site, ENDPOINTS.federation.path)}/${encodeURIComponent(p.id)}/start?return_to=${encodeURIComponent(returnTo)}${promptQuery}` })),
      passwordLogin,
    };
  };

  app.get<{ Querystring: { return_to?: unknown; prompt?: unknown } }>(ENDPOINTS.login.path, async (request, reply) => {
    const site = siteOf(request);
    const returnTo = safeReturnTo(request.query.return_to, afterSignIn(site));
    const app = await appAsking(request, returnTo);
    return page(reply, 200, renderLoginPage({ csrfToken: reply.generateCsrf(), returnTo, site, ...(app ? { app } : {}), ...(await signInMethods(site, returnTo, request.query.prompt)) }));
  });

  app.post(ENDPOINTS.login.path, guarded, async (request, reply) => {
    const email = formField(request.body, 'username').slice(0, MAX_EMAIL);
    const password = formField(request.body, 'password');
    const site = siteOf(request);
    const returnTo = safeReturnTo(formField(request.body, 'return_to'), afterSignIn(site));
    const methods = await signInMethods(site, returnTo);
    const again = async (status: number, error: string) => {
      const app = await appAsking(request, returnTo);
      return page(reply, status, renderLoginPage({ csrfToken: reply.generateCsrf(), returnTo, email, error, site, ...(app ? { app } : {}), ...methods }));
    };
    // The tenant turned passwords off: none is checked, whatever the form says.
    if (methods.passwordLogin === false) return again(403, PASSWORD_LOGIN_OFF_MESSAGE);
    if (password.length > MAX_PASSWORD) return again(401, LOGIN_FAILED_MESSAGE);

    const result = await options.signIn({ email, password, clientIp: request.ip });
    if (result.outcome === 'throttled') {
      reply.header('retry-after', String(result.retryAfterSeconds));
      return again(429, LOGIN_THROTTLED_MESSAGE);
    }
    if (result.outcome === 'refused') return again(401, LOGIN_FAILED_MESSAGE);

    // A session this browser had before (another user, or one planted by an attacker) ends here: the new
    // one has a fresh id (session fixation, OWASP; Keycloak CVE-2024-7341).
    await sessions.end(sessionIdFrom(request, cookies));
    setSessionCookie(reply, result.sessionId, cookies);
    // The anti-CSRF secret is renewed too, so a token learnt before sign-in is worthless after it.
    clearCookie(reply, csrfCookieName(cookies), cookies);
    return reply.code(303).header('location', returnTo).send();
  });

  // OIDC RP-initiated logout asks for confirmation when not sure who asks: a page with a form, never a GET that signs out.
  app.get(ENDPOINTS.logout.path, async (request, reply) => {
    const site = siteOf(request);
    const current = await sessions.currentSession(sessionIdFrom(request, cookies));
    if (!current) return page(reply, 200, renderMessagePage({ title: 'Signed out', message: 'You are not signed in.', link: { href: pagePath(site, ENDPOINTS.login.path), text: 'Sign in' }, site }));
    return page(reply, 200, renderLogoutPage({ userName: displayName(current.user), csrfToken: reply.generateCsrf(), site }));
  });

  app.post(ENDPOINTS.logout.path, guarded, async (request, reply) => {
    await options.signOut({ sessionId: sessionIdFrom(request, cookies), clientIp: request.ip });
    clearCookie(reply, sessionCookieName(cookies), cookies);
    const site = siteOf(request);
    return page(reply, 200, renderMessagePage({ title: 'Signed out', message: 'You are signed out.', link: { href: pagePath(site, ENDPOINTS.login.path), text: 'Sign in again' }, site }));
  });
}

/** Where a sign-in without a (sound) return_to goes: the user's authorized apps at this site. */
const afterSignIn = (site: PageSite) => pagePath(site, ENDPOINTS.management.path);

/** How the pages name a user: their name, else email, else id. */
export function displayName(user: { name?: unknown; email?: string; id: string }): string {
  const name = user.name;
  if (typeof name === 'string' && name) return name;
  if (name && typeof name === 'object') {
    const n = name as { formatted?: string; givenName?: string; familyName?: string };
    const joined = n.formatted ?? [n.givenName, n.familyName].filter(Boolean).join(' ');
    if (joined) return joined;
  }
  return user.email ?? user.id;
}
