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
}

export interface SignInRequest {
  email: string;
  password: string;
  clientIp: string;
}

/** Checks an email and password and, when right, starts a fresh session. */
export function createSignIn(deps: SignInDeps): (request: SignInRequest) => Promise<SignInResult> {
  return async ({ email, password, clientIp }) => {
    const decision = await deps.throttle.attempt(email, clientIp);
    if (!decision.allowed) return { outcome: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };
    const user = email ? await deps.users.findByEmail(email.trim()) : undefined;
    const hash = user?.password_hash ?? (await deps.decoyHash());
    const matches = await deps.verifyPassword(password, hash);
    if (!user || !matches || user.active === false || !user.password_hash) return { outcome: 'refused' };
    await deps.throttle.succeeded(email, clientIp);
    const { id, session } = await deps.sessions.start(user.id);
    return { outcome: 'signed-in', user, sessionId: id, session };
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
