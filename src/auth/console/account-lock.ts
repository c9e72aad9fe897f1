import type { AdminCaller } from '../admin/admin-access.ts';
import { adminActor, tenantOf, type RegistryAudit } from '../audit/registry-events.ts';
import { accountKey, type LoginAttemptStore, type LoginThrottleSettings } from '../sessions/login-throttle.ts';
import type { User } from '../users/user.ts';

/** Where an account stands with the sign-in throttle: its attempts in the current window, and whether it is refused. */
export interface LockStanding {
  attempts: number;
  /** The next sign-in (and the account's password over HTTP Basic) is refused until `until`. */
  locked: boolean;
  until?: Date;
}

export interface AccountLock {
  standing(user: User): Promise<LockStanding>;
  /** Clears the account's count (as a successful sign-in does), recorded as the administrator's action. */
  unlock(user: User & { id: string }, caller: AdminCaller): Promise<void>;
}

export interface AccountLockDeps {
  attempts: LoginAttemptStore;
  settings: LoginThrottleSettings;
  audit: RegistryAudit;
  now: () => Date;
}

/**
 * The sign-in throttle's count of an account (login-throttle.ts, keyed by email), as an administrator sees and clears
 * it: the sign-in page refuses an account once its attempts in the window exceed `maxFailures`, so it is locked out
 * from `maxFailures` counted attempts on.
 */
export function createAccountLock(deps: AccountLockDeps): AccountLock {
  const windowMs = deps.settings.windowSeconds * 1000;
  return {
    async standing(user) {
      if (!user.email) return { attempts: 0, locked: false };
      const at = deps.now();
      const count = await deps.attempts.failures(accountKey(user.email), new Date(at.getTime() - windowMs));
      if (!count) return { attempts: 0, locked: false };
      const locked = count.attempts >= deps.settings.maxFailures;
      return { attempts: count.attempts, locked, ...(locked ? { until: new Date(count.windowStartedAt.getTime() + windowMs) } : {}) };
    },
    async unlock(user, caller) {
      if (user.email) await deps.attempts.reset(accountKey(user.email));
      await deps.audit.record(tenantOf(user), adminActor(caller), [{ object: 'user', change: 'unlocked', id: user.id, description: 'Sign-in failure count cleared' }]);
    },
  };
}
