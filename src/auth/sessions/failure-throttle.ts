import type { AttemptCount, ThrottleDecision } from './login-throttle.ts';

/**
 * Slowing the online guessing of a credential that is checked on every request (a client secret, a developer's
 * password over HTTP Basic): only FAILURES are counted, per key, in the database so every process shares them.
 * The credential is checked first (the caller's constant-time check, the same work for an unknown name), then:
 * - a wrong one is counted by one atomic increment that returns the count with it: past `maxFailures` in the
 *   window, it is refused instead of being answered as wrong;
 * - a right one costs one read: with `maxFailures` failures in the window it is refused too (a guesser learns
 *   nothing once the key is locked), otherwise it is let in (and clears a count there was, where
 *   `clearOnSuccess` says so).
 * So concurrent requests with the right credential are never refused, however many. The price: a right guess is
 * let in when its read comes before the increments of the parallel wrong ones, so within one window an attacker's
 * guesses can exceed the limit by the number they keep in flight at once (bounded by the database pool's
 * admission); counting every attempt before the check would refuse a busy client's right requests instead.
 */
export interface FailureThrottleSettings {
  /** Failures allowed per key within one window; then every attempt is refused until the window ends. */
  maxFailures: number;
  windowSeconds: number;
  /**
   * Whether a right credential clears the failures counted so far (a person signing in now and then). Off for a
   * credential a busy caller presents on every request (a client secret): there, clearing would give a guesser a
   * fresh allowance after each of the caller's requests, and failures instead run out with their window.
   */
  clearOnSuccess: boolean;
}

/** The storage port (src/storage/auth/client-attempt-store.ts, and the sign-in counters of session-store.ts). */
export interface FailureCountStore {
  /**
   * Counts one failure under `key` in one atomic statement: a window that started at or before `windowCutoff`
   * is over, so the count restarts at 1 from `now`.
   */
  countAttempt(key: string, now: Date, windowCutoff: Date): Promise<AttemptCount>;
  /** The count under `key` in a window that started after `windowCutoff`; undefined when there is none. */
  failures(key: string, windowCutoff: Date): Promise<AttemptCount | undefined>;
  /** Forgets the key. */
  reset(key: string): Promise<void>;
}

export interface FailureThrottle {
  /**
   * After the credential of `name` was checked (`matched`): refused while `name` has `maxFailures` failures in
   * the window, whatever the credential; a wrong one is counted, a right one clears a count there was.
   */
  settle(name: string, matched: boolean): Promise<ThrottleDecision>;
}

export function createFailureThrottle(
  store: FailureCountStore,
  settings: FailureThrottleSettings,
  now: () => Date,
  keyOf: (name: string) => string,
): FailureThrottle {
  const windowMs = settings.windowSeconds * 1000;
  const refused = (count: AttemptCount, at: Date): ThrottleDecision => {
    const retryAfterMs = count.windowStartedAt.getTime() + windowMs - at.getTime();
    return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(retryAfterMs / 1000)) };
  };
  return {
    async settle(name, matched) {
      const at = now();
      const cutoff = new Date(at.getTime() - windowMs);
      const key = keyOf(name);
      if (!matched) {
        const count = await store.countAttempt(key, at, cutoff);
        return count.attempts > settings.maxFailures ? refused(count, at) : { allowed: true };
      }
      const count = await store.failures(key, cutoff);
      if (count === undefined || count.attempts <= 0) return { allowed: true };
      if (count.attempts >= settings.maxFailures) return refused(count, at);
      if (settings.clearOnSuccess) await store.reset(key);
      return { allowed: true };
    },
  };
}
