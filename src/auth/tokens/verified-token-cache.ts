import type { AccessTokenClaims } from '../grants/grant.ts';

/** What a verified token left behind: its claims, and the key (kid) its signature was checked with. */
export interface VerifiedToken {
  claims: AccessTokenClaims;
  kid: string;
}

/**
 * Access tokens whose signature and claims were verified, by token text, until they expire (or at most
 * `maxAgeSeconds`). An app sends the same token on every request; verifying an ES384 signature each
 * time was the FHIR API's largest cost. Only the signature and claims are remembered: whether the
 * grant still stands, and whether the signing key still verifies, is asked on every use.
 */
export interface VerifiedTokenCache {
  get(token: string, nowSeconds: number): VerifiedToken | undefined;
  set(token: string, verified: VerifiedToken, nowSeconds: number): void;
}

export function createVerifiedTokenCache(options: { maxEntries: number; maxAgeSeconds: number }): VerifiedTokenCache {
  const entries = new Map<string, { verified: VerifiedToken; until: number }>();
  return {
    get(token, nowSeconds) {
      const entry = entries.get(token);
      if (!entry) return undefined;
      if (nowSeconds >= entry.until) {
        entries.delete(token);
        return undefined;
      }
      return entry.verified;
    },
    set(token, verified, nowSeconds) {
      if (options.maxEntries <= 0) return;
      entries.delete(token);
      entries.set(token, { verified, until: Math.min(verified.claims.exp, nowSeconds + options.maxAgeSeconds) });
      // Oldest first out: Map keeps insertion order.
      while (entries.size > options.maxEntries) entries.delete(entries.keys().next().value as string);
    },
  };
}
