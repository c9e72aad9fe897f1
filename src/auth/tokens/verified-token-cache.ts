import type { AccessTokenClaims } from '../grants/grant.ts';

/**
 * Access tokens whose signature and claims were verified, by token text, until they expire (or at most
 * `maxAgeSeconds`, so a retired signing key stops being trusted soon after). An app sends the same
 * token on every request; verifying an ES384 signature each time was the FHIR API's largest cost.
 * Only the signature and claims are remembered: whether the grant still stands is asked every time.
 */
export interface VerifiedTokenCache {
  get(token: string, nowSeconds: number): AccessTokenClaims | undefined;
  set(token: string, claims: AccessTokenClaims, nowSeconds: number): void;
}

export function createVerifiedTokenCache(options: { maxEntries: number; maxAgeSeconds: number }): VerifiedTokenCache {
  const entries = new Map<string, { claims: AccessTokenClaims; until: number }>();
  return {
    get(token, nowSeconds) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (nowSeconds >= entry.until) {
        entries.delete(token);
        return undefined;
      }
      return entry.claims;
    },
    set(token, claims, nowSeconds) {
      if (options.maxEntries <= 0) return;
      entries.delete(token);
      entries.set(token, { claims, until: Math.min(claims.exp, nowSeconds + options.maxAgeSeconds) });
      // Oldest first out: Map keeps insertion order.
      while (entries.size > options.maxEntries) entries.delete(entries.keys().next().value as string);
    },
  };
}
