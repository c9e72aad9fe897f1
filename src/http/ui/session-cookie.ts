import { fastifyCookie } from '@fastify/cookie';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { CurrentSession, SessionService } from '../../auth/sessions/session-service.ts';

export interface SessionCookieSettings {
  /** Signs the cookie (HMAC-SHA256, @fastify/cookie); the id inside is random anyway, this rejects forgeries early. */
  secret: string;
  /** True when the public base URL is https: the cookie is then `Secure` and `__Host-` prefixed. */
  secure: boolean;
  /**
   * The tenant whose pages set it, other than the default one: each tenant's sign-in is a cookie of its own name,
   * so a session at one tenant is never presented at another (and signing in at one ends none at another).
   */
  tenant?: string;
}

/**
 * `__Host-` pins the cookie to this host, path `/`, Secure (RFC 6265bis §4.1.3.2): no subdomain can plant one. A
 * tenant's name ends in `_{tenant}` (a tenant id has no `_`, so no tenant's name is another's).
 */
export function sessionCookieName(settings: Pick<SessionCookieSettings, 'secure' | 'tenant'>): string {
  const name = settings.tenant ? `portico_session_${settings.tenant}` : 'portico_session';
  return settings.secure ? `__Host-${name}` : name;
}

export function csrfCookieName(settings: Pick<SessionCookieSettings, 'secure'>): string {
  return settings.secure ? '__Host-portico_csrf' : 'portico_csrf';
}

/** The session id in the request's cookie when its signature is ours, else undefined. Works in any plugin scope. */
export function sessionIdFrom(request: FastifyRequest, settings: SessionCookieSettings): string | undefined {
  const header = request.headers.cookie;
  if (!header) return undefined;
  const raw = fastifyCookie.parse(header)[sessionCookieName(settings)];
  if (!raw) return undefined;
  const unsigned = fastifyCookie.unsign(raw, settings.secret);
  return unsigned.valid && unsigned.value ? unsigned.value : undefined;
}

/**
 * The signed-in user of this request, or undefined: what the authorize endpoint asks before showing
 * the sign-in page.
 */
export function readCurrentSession(
  request: FastifyRequest,
  sessions: Pick<SessionService, 'currentSession'>,
  settings: SessionCookieSettings,
): Promise<CurrentSession | undefined> {
  return sessions.currentSession(sessionIdFrom(request, settings));
}

const baseCookie = (settings: SessionCookieSettings) =>
  ({ path: '/', httpOnly: true, sameSite: 'lax', secure: settings.secure }) as const;

/** Sets the session cookie: signed, HttpOnly, SameSite=Lax, host-only, Secure on https; ends with the browser. */
export function setSessionCookie(reply: FastifyReply, sessionId: string, settings: SessionCookieSettings): void {
  reply.header('set-cookie', fastifyCookie.serialize(sessionCookieName(settings), fastifyCookie.sign(sessionId, settings.secret), baseCookie(settings)));
}

export function clearCookie(reply: FastifyReply, name: string, settings: SessionCookieSettings): void {
  reply.header('set-cookie', fastifyCookie.serialize(name, '', { ...baseCookie(settings), maxAge: 0, expires: new Date(0) }));
}
