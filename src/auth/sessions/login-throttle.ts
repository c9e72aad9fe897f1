import { createHash } from 'node:crypto';

/**
 * Slowing password guessing (RFC 6819 §4.4.3.6, OWASP Authentication: account and client throttling).
 * Counters live in the database so every process sees the same counts. An attempt is counted BEFORE the
 * password is checked, by one atomic increment: parallel guesses cannot all slip under the limit
 * (Keycloak #52646 lost updates) — at most `maxFailures` passwords are ever tried per window and key.
 */
export interface LoginThrottleSettings {
  /** Attempts allowed per key (per account) within one window; the next ones are refused until it ends. */
  maxFailures: number;
  /**
   * Attempts allowed per client address within one window (absent: maxFailures). Higher than per account: one
   * address (a clinic behind NAT) is many people, and one person's typos must not lock out the others.
   */
  addressMaxFailures?: number;
  windowSeconds: number;
}

export interface AttemptCount {
  attempts: number;
  windowStartedAt: Date;
}

/** The storage port (implemented in src/storage/auth/session-store.ts). */
export interface LoginAttemptStore {
  /**
   * Counts one attempt under `key` in one atomic statement: a window that started at or before
   * `windowCutoff` is over, so the count restarts at 1 from `now`.
   */
  countAttempt(key: string, now: Date, windowCutoff: Date): Promise<AttemptCount>;
  /** The count under `key` in a window that started after `windowCutoff` (a developer's password over HTTP Basic reads it). */
  failures(key: string, windowCutoff: Date): Promise<AttemptCount | undefined>;
  /** Takes one counted attempt back (a success from a shared address does not count against it). */
  forgiveAttempt(key: string): Promise<void>;
  /** Forgets the key (a successful sign-in clears the account's count). */
  reset(key: string): Promise<void>;
}

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterSeconds: number };

export interface LoginThrottle {
  /** Counts an attempt for the account and the client address; refuses it when either is over the limit. */
  attempt(email: string, clientIp: string): Promise<ThrottleDecision>;
  /** After a successful sign-in: the account starts afresh and the address gets this attempt back. */
  succeeded(email: string, clientIp: string): Promise<void>;
}

/**
 * Keys are primary keys, B-tree entries PostgreSQL caps at 2,704 bytes, while what they are made of comes
 * from the request: the client address is whatever X-Forwarded-For says behind TRUST_PROXY=true. A value
 * longer than any real one (an email of RFC 5321's 254 characters, an IPv6 address with a zone) is keyed
 * by its SHA-256; real ones stay readable, for an operator looking at who is throttled. The two forms
 * never meet: a hashed key's prefix has `-sha256` where a readable one has `:`.
 */
const MAX_READABLE = 320;
const keyOf = (kind: string, value: string) =>
  value.length <= MAX_READABLE ? `${kind}:${value}` : `${kind}-sha256:${createHash('sha256').update(value, 'utf8').digest('base64url')}`;

export const accountKey = (email: string) => keyOf('account', email.trim().toLowerCase());
export const addressKey = (clientIp: string) => keyOf('ip', clientIp);

export function createLoginThrottle(store: LoginAttemptStore, settings: LoginThrottleSettings, now: () => Date): LoginThrottle {
  const windowMs = settings.windowSeconds * 1000;
  return {
    async attempt(email, clientIp) {
      const at = now();
      const cutoff = new Date(at.getTime() - windowMs);
      let refused = false;
      let retryAfterMs = 0;
      const limits: [string, number][] = [
        [accountKey(email), settings.maxFailures],
        [addressKey(clientIp), settings.addressMaxFailures ?? settings.maxFailures],
      ];
      for (const [key, limit] of limits) {
        const count = await store.countAttempt(key, at, cutoff);
        if (count.attempts > limit) {
          refused = true;
          retryAfterMs = Math.max(retryAfterMs, count.windowStartedAt.getTime() + windowMs - at.getTime());
        }
      }
      return refused ? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) } : { allowed: true };
    },
    async succeeded(email, clientIp) {
      await store.reset(accountKey(email));
      await store.forgiveAttempt(addressKey(clientIp));
    },
  };
}
