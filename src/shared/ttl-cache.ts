/**
 * A bounded map whose entries expire. Each entry is kept until the time it was set with (exclusive), counted in
 * whatever unit its owner counts (milliseconds, seconds); beyond `maxEntries` the entry written longest ago goes
 * first. The cache has no clock: whoever reads says what time it is, so each cache keeps the clock it was given.
 */
export interface TtlCache<K, V> {
  /** The value kept for `key` while `now` is before its expiry; an expired entry is dropped. */
  get(key: K, now: number): V | undefined;
  /** Keeps `value` for `key` until `expiresAt`, as the newest entry, dropping the oldest beyond `maxEntries`. */
  set(key: K, value: V, expiresAt: number): void;
  delete(key: K): void;
  /** Drops every entry, expired or not, whose value passes `test`. */
  deleteWhere(test: (value: V) => boolean): void;
}

export function createTtlCache<K, V>(maxEntries: number): TtlCache<K, V> {
  const limit = Math.max(0, maxEntries);
  // A Map iterates in insertion order: its first key is the entry written longest ago.
  const entries = new Map<K, { value: V; expiresAt: number }>();
  return {
    get(key, now) {
      const entry = entries.get(key);
      if (entry === undefined) return undefined;
      if (now < entry.expiresAt) return entry.value;
      entries.delete(key);
      return undefined;
    },
    set(key, value, expiresAt) {
      entries.delete(key);
      entries.set(key, { value, expiresAt });
      while (entries.size > limit) entries.delete(entries.keys().next().value as K);
    },
    delete(key) {
      entries.delete(key);
    },
    deleteWhere(test) {
      for (const [key, entry] of entries) if (test(entry.value)) entries.delete(key);
    },
  };
}
