import type { AccessTokenClaims } from '../grants/grant.ts';
import { createTtlCache } from '../../shared/ttl-cache.ts';

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
  const entries = createTtlCache<string, VerifiedToken>(options.maxEntries);
  return {
    get: (token, nowSeconds) => entries.get(token, nowSeconds),
    set(token, verified, nowSeconds) {
      entries.set(token, verified, Math.min(verified.claims.exp, nowSeconds + options.maxAgeSeconds));
    },
  };
}
