import type { AuditActor } from '../../fhir/audit/audit-actor.ts';
import type { SecurityAudit } from '../audit/security-audit.ts';
import { lockedOut, signedIn, signInFailed, signedOut, type SignInFailure } from '../audit/security-events.ts';
import type { StoredUser, UserRepository } from '../users/user.ts';
import type { LoginThrottle } from './login-throttle.ts';
import type { SessionService } from './session-service.ts';
import type { Session } from './session.ts';

export type SignInResult =
  | { outcome: 'signed-in'; user: StoredUser; sessionId: string; session: Session }
  /** Unknown email, wrong password or inactive user: one answer for all, so none can be told apart. */
  | { outcome: 'refused' }
  | { outcome: 'throttled'; retryAfterSeconds: number };

export interface SignInDeps {
  users: Pick<UserRepository, 'findByEmail'>;
  sessions: SessionService;
  throttle: LoginThrottle;
  verifyPassword: (password: string, stored: string | undefined) => Promise<boolean>;
  /** A real hash of a random password: checked when the email is unknown, so that costs the same scrypt time. */
  decoyHash: () => Promise<string>;
  /** Every attempt's event (signed in, refused and why, throttled), committed before the page answers. */
  audit: SecurityAudit;
}

export interface SignInRequest {
  email: string;
  password: string;
  clientIp: string;
}

/**
 * Checks an email and password and, when right, starts a fresh session. Each attempt is recorded before the
 * answer; when that fails, a session just started is ended again and the attempt fails (the page's 503).
 */
export function createSignIn(deps: SignInDeps): (request: SignInRequest) => Promise<SignInResult> {
  const { audit } = deps;
  return async ({ email, password, clientIp }) => {
    const address = { address: clientIp };
    const decision = await deps.throttle.attempt(email, clientIp);
    if (!decision.allowed) {
      await audit.record(lockedOut(audit.site, address, decision.retryAfterSeconds));
      return { outcome: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };
    }
    const user = email ? await deps.users.findByEmail(email.trim()) : undefined;
    const hash = user?.password_hash ?? (await deps.decoyHash());
    const matches = await deps.verifyPassword(password, hash);
    const failure = failureOf(user, matches);
    if (!user || failure) {
      await audit.record(signInFailed(audit.site, user ? { ...userActor(user), ...address } : address, failure ?? 'unknown user'));
      return { outcome: 'refused' };
    }
    await deps.throttle.succeeded(email, clientIp);
    const { id, session } = await deps.sessions.start(user.id);
    try {
      await audit.record(signedIn(audit.site, { ...userActor(user), ...address }));
    } catch (error) {
      // Not signed in after all: the session nobody will get a cookie for ends now.
      await deps.sessions.end(id).catch(() => undefined);
      throw error;
    }
    return { outcome: 'signed-in', user, sessionId: id, session };
  };
}

/** Why an attempt fails, or undefined when it signs in. */
function failureOf(user: StoredUser | undefined, matches: boolean): SignInFailure | undefined {
  if (!user) return 'unknown user';
  if (!user.password_hash) return 'no password set';
  if (!matches) return 'wrong password';
  if (user.active === false) return 'inactive user';
  return undefined;
}

/** A User as an event's agent: our User id and their FHIR resource. */
export const userActor = (user: Pick<StoredUser, 'id' | 'fhirUser'>): AuditActor => ({ userId: user.id, ...(user.fhirUser !== undefined ? { fhirUser: user.fhirUser } : {}) });

export interface SignOutRequest {
  /** The session cookie's value, when the browser sent one. */
  sessionId: string | undefined;
  clientIp: string;
}

/**
 * Signs out: the session ends, and when it was a live session of a User of these pages its sign-out is recorded
 * before the page answers (a stale cookie signs nobody out: nothing is recorded).
 */
export function createSignOut(deps: { sessions: SessionService; audit: SecurityAudit }): (request: SignOutRequest) => Promise<void> {
  return async ({ sessionId, clientIp }) => {
    const current = await deps.sessions.currentSession(sessionId);
    await deps.sessions.end(sessionId);
    if (current) await deps.audit.record(signedOut(deps.audit.site, { ...userActor(current.user), address: clientIp }));
  };
}

/**
 * The decoy hash for unknown emails, made once on first use (not at start: scrypt takes a tenth of a second)
 * from a random password nobody knows.
 */
export function createDecoyHash(hash: (password: string) => Promise<string>, randomPassword: () => string): () => Promise<string> {
  let decoy: Promise<string> | undefined;
  return () => (decoy ??= hash(randomPassword()));
}
