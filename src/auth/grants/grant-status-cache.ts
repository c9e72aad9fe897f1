import type { GrantStore } from './grant-store.ts';

/**
 * A GrantStore that remembers answers of `isActive` (asked on every FHIR request). A revoked grant never
 * stands again, so "revoked" is kept; "active" is kept for `activeTtlMs` only. A revocation through this
 * store takes effect at once; one made by another process sharing the database, within `activeTtlMs`.
 */
export function cacheGrantStatus(store: GrantStore, options: { activeTtlMs: number; maxEntries: number; nowMs: () => number }): GrantStore {
  if (options.activeTtlMs <= 0) return store;
  const known = new Map<string, { active: boolean; until: number }>();
  const remember = (id: string, active: boolean) => {
    known.delete(id);
    known.set(id, { active, until: active ? options.nowMs() + options.activeTtlMs : Number.POSITIVE_INFINITY });
    while (known.size > options.maxEntries) known.delete(known.keys().next().value as string);
  };
  return {
    ...store,
    async isActive(grantId) {
      const entry = known.get(grantId);
      if (entry && options.nowMs() < entry.until) return entry.active;
      const active = await store.isActive(grantId);
      remember(grantId, active);
      return active;
    },
    async revoke(id, now) {
      remember(id, false);
      await store.revoke(id, now);
    },
  };
}
