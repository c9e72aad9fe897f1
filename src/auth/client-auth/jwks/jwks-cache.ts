import type { FetchedJwks, JsonWebKeySet, JwksAnswer, JwksFetcher, JwksSource } from './jwks-source.ts';
import { createTtlCache } from '../../../shared/ttl-cache.ts';

export interface JwksCacheOptions {
  fetch: JwksFetcher;
  now: () => Date;
  /** Seconds a key set is kept when the response has no max-age. */
  defaultMaxAgeSeconds?: number;
  /** Upper bound on any max-age, seconds. */
  maxMaxAgeSeconds?: number;
  /** At most one forced re-fetch per URL in this many seconds (unknown `kid`s must not turn us into a flood). */
  minRefreshIntervalSeconds?: number;
  /** Most URLs kept; the oldest entry is dropped beyond it. */
  maxEntries?: number;
}

/**
 * A per-process cache of fetched key sets. Only a cache: the client's jwks_uri stays the truth, entries
 * never outlive the response's max-age, and failures are not cached. Concurrent misses share one fetch.
 */
export function createJwksCache(options: JwksCacheOptions): JwksSource {
  const defaultMaxAge = options.defaultMaxAgeSeconds ?? 60;
  const maxMaxAge = options.maxMaxAgeSeconds ?? 3600;
  const minRefresh = (options.minRefreshIntervalSeconds ?? 30) * 1000;
  const maxEntries = options.maxEntries ?? 1000;
  const entries = createTtlCache<string, JsonWebKeySet>(maxEntries);
  const lastForcedRefresh = new Map<string, number>();
  const inFlight = new Map<string, Promise<JsonWebKeySet>>();

  function store(url: string, fetched: FetchedJwks, at: number): JsonWebKeySet {
    const maxAge = Math.min(fetched.maxAgeSeconds ?? defaultMaxAge, maxMaxAge);
    if (maxAge > 0) entries.set(url, fetched.jwks, at + maxAge * 1000);
    else entries.delete(url);
    return fetched.jwks;
  }

  function fetchOnce(url: string): Promise<JsonWebKeySet> {
    const pending = inFlight.get(url);
    if (pending) return pending;
    const started = options.now().getTime();
    const promise = options
      .fetch(url)
      .then((fetched) => store(url, fetched, started))
      .finally(() => inFlight.delete(url));
    inFlight.set(url, promise);
    return promise;
  }

  return {
    async get(url, { refresh = false } = {}): Promise<JwksAnswer> {
      const now = options.now().getTime();
      const fresh = entries.get(url, now);
      if (fresh && !refresh) return { jwks: fresh, fetched: false };
      if (fresh && refresh) {
        const last = lastForcedRefresh.get(url);
        if (last !== undefined && now - last < minRefresh) return { jwks: fresh, fetched: false };
        lastForcedRefresh.set(url, now);
        if (lastForcedRefresh.size > maxEntries) lastForcedRefresh.delete(lastForcedRefresh.keys().next().value as string);
      }
      return { jwks: await fetchOnce(url), fetched: true };
    },
  };
}
