import type { GrantStore } from './grant-store.ts';
import { createTtlCache } from '../../shared/ttl-cache.ts';

/** A GrantStore that remembers `isActive` answers, and can be told that many grants may be ending. */
export interface GrantStatusCache extends GrantStore {
  /**
   * Runs a change that may end grants it cannot name one by one (a Client or User deactivated or deleted), forgetting
   * every grant remembered as active before and after it; an answer read while it ran is not remembered.
   */
  forgetActive<R>(change: () => Promise<R>): Promise<R>;
}

/**
 * A GrantStore that remembers answers of `isActive` (asked on every FHIR request). A revoked grant never
 * stands again, so "revoked" is kept; "active" is kept for `activeTtlMs` only. A revocation or deactivation
 * through this store takes effect at once; one made by another process sharing the database, within `activeTtlMs`.
 */
export function cacheGrantStatus(store: GrantStore, options: { activeTtlMs: number; maxEntries: number; nowMs: () => number }): GrantStatusCache {
  if (options.activeTtlMs <= 0) return { ...store, forgetActive: (change) => change() };
  const known = createTtlCache<string, boolean>(options.maxEntries);
  // Bumped at every change that may end grants (and around the ones that cannot name them): an answer read across
  // one may be from before it, so it is not remembered.
  let changes = 0;
  const remember = (id: string, active: boolean) => {
    known.set(id, active, active ? options.nowMs() + options.activeTtlMs : Number.POSITIVE_INFINITY);
  };
  const forgetAll = () => {
    changes++;
    known.deleteWhere((active) => active);
  };
  return {
    ...store,
    async isActive(grantId) {
      const remembered = known.get(grantId, options.nowMs());
      if (remembered !== undefined) return remembered;
      const changesBefore = changes;
      const active = await store.isActive(grantId);
      if (!active || changes === changesBefore) remember(grantId, active);
      return active;
    },
    async revoke(id, now) {
      // A read of this grant already in flight saw it active: its answer must not be remembered over this one.
      changes++;
      remember(id, false);
      await store.revoke(id, now);
    },
    async forgetActive(change) {
      forgetAll();
      try {
        return await change();
      } finally {
        forgetAll();
      }
    },
  };
}
