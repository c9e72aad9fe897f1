/** The JWS algorithms Portico signs tokens with (RFC 7518 §3.1). RS256 is always kept: OpenID Connect id_tokens default to it (OIDC Core §3.1.3.7). */
export const SIGNING_ALGS = ['RS256', 'RS384', 'ES256', 'ES384'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

export const ID_TOKEN_ALG: SigningAlg = 'RS256';

export function isSigningAlg(value: string): value is SigningAlg {
  return (SIGNING_ALGS as readonly string[]).includes(value);
}

/** The algorithms that must each have an active key: RS256 plus the access-token algorithm. */
export function requiredAlgs(accessTokenAlg: SigningAlg): SigningAlg[] {
  return [...new Set<SigningAlg>([ID_TOKEN_ALG, accessTokenAlg])];
}
