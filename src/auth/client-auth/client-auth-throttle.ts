import { createHash } from 'node:crypto';
import type { LoginAttemptStore, ThrottleDecision } from '../sessions/login-throttle.ts';

/**
 * Slowing client secret guessing at the token, introspection and revocation endpoints (RFC 6749 §10.10:
 * client credentials must not be guessable online), as sign-in is slowed (login-throttle.ts): per client_id as sent, counted in
 * the database so every process shares the count, and counted BEFORE the secret is checked, by one
 * atomic increment, so parallel guesses cannot slip under the limit. An unknown client_id is counted
 * like a known one: the throttle tells neither apart.
 */
export interface ClientAuthThrottleSettings {
  /** Attempts allowed per client_id within one window; the next ones are refused until it ends. */
  maxFailures: number;
  windowSeconds: number;
}

/** The storage port (implemented in src/storage/auth/client-attempt-store.ts). */
export type ClientAttemptStore = Pick<LoginAttemptStore, 'countAttempt' | 'reset'>;

export interface ClientAuthThrottle {
  /** Counts an attempt for this client_id; refuses it when over the limit (the secret is then not checked). */
  attempt(clientId: string): Promise<ThrottleDecision>;
  /** After a successful authentication: the client_id starts afresh. */
  succeeded(clientId: string): Promise<void>;
}

/** A client_id is whatever the request says: its hash keeps every key short. */
export const clientAttemptKey = (clientId: string) => `client:${createHash('sha256').update(clientId, 'utf8').digest('base64url')}`;

export function createClientAuthThrottle(store: ClientAttemptStore, settings: ClientAuthThrottleSettings, now: () => Date): ClientAuthThrottle {
  const windowMs = settings.windowSeconds * 1000;
  return {
    async attempt(clientId) {
      const at = now();
      const count = await store.countAttempt(clientAttemptKey(clientId), at, new Date(at.getTime() - windowMs));
      if (count.attempts <= settings.maxFailures) return { allowed: true };
      const retryAfterMs = count.windowStartedAt.getTime() + windowMs - at.getTime();
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
    },
    async succeeded(clientId) {
      await store.reset(clientAttemptKey(clientId));
    },
  };
}
