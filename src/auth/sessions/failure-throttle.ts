import type { AttemptCount, ThrottleDecision } from './login-throttle.ts';

/**
 * Slowing the online guessing of a credential that is checked on every request (a client secret, a developer's
 * password over HTTP Basic): only FAILURES are counted, per key, in the database so every process shares them.
 * The credential is checked first (the caller's constant-time check, the same work for an unknown name), then:
 * - the key's failures in the window are read (one statement, for every attempt): at `maxFailures`, the attempt is
 *   refused whatever the credential, with no write, so a locked key answers a right and a wrong guess alike, in
 *   what it says and in the work it does;
 * - under the limit, a wrong one is counted (one atomic increment); a right one writes nothing.
 * A success never clears the count: the callers present the credential on every request, so clearing would give a
 * guesser a fresh allowance after each of them; failures run out with their window instead. Concurrent requests
 * with the right credential are never refused under the limit, however many. The price: reads that precede the
 * increments of parallel wrong guesses let those guesses through, so within one window an attacker's guesses can
 * exceed the limit by the number they keep in flight at once (bounded by the database pool's admission); counting
 * every attempt before the check would refuse a busy client's right requests instead.
 */
export interface FailureThrottleSettings {
  /** Failures allowed per key within one window; then every attempt is refused until the window ends. */
  maxFailures: number;
  windowSeconds: number;
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
}

export interface FailureThrottle {
  /**
   * After the credential of `name` was checked (`matched`): refused while `name` has `maxFailures` failures in
   * the window, whatever the credential; otherwise a wrong one is counted.
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
      const count = await store.failures(key, cutoff);
      if (count !== undefined && count.attempts >= settings.maxFailures) return refused(count, at);
      if (matched) return { allowed: true };
      // A failure the read did not see yet (a parallel one) can make this one the first over the limit.
      const counted = await store.countAttempt(key, at, cutoff);
      return counted.attempts > settings.maxFailures ? refused(counted, at) : { allowed: true };
    },
  };
}
