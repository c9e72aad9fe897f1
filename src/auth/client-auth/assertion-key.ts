import type { JsonWebKeySet } from './jwks/jwks-source.ts';

/** Algorithms a client assertion may use (SMART Backend Services: RS384 and ES384 required; never `none` or HMAC). */
export const ASSERTION_ALGS = ['RS384', 'ES384', 'RS256', 'ES256', 'PS384'] as const;
export type AssertionAlg = (typeof ASSERTION_ALGS)[number];

const KTY_OF: Record<AssertionAlg, string> = { RS384: 'RSA', RS256: 'RSA', PS384: 'RSA', ES384: 'EC', ES256: 'EC' };
const CRV_OF: Partial<Record<AssertionAlg, string>> = { ES384: 'P-384', ES256: 'P-256' };

export type KeyChoice = { key: Record<string, unknown> } | { problem: 'unknown-kid' | 'ambiguous-kid' };

/**
 * The verification key for an assertion: the signing key with this `kid` whose type fits `alg`
 * (SMART Backend Services "signature verification" step 3). A key that pins another `alg`, or two
 * candidates for one `kid`, are not guessed between.
 */
export function chooseAssertionKey(jwks: JsonWebKeySet, kid: string, alg: AssertionAlg): KeyChoice {
  const candidates = jwks.keys.filter(
    (k) =>
      k.kid === kid &&
      k.kty === KTY_OF[alg] &&
      (k.use === undefined || k.use === 'sig') &&
      (k.alg === undefined || k.alg === alg) &&
      (CRV_OF[alg] === undefined || k.crv === CRV_OF[alg]) &&
      // Only public parts are ever used; a published private key is still just its public half.
      typeof (k.n ?? k.x) === 'string',
  );
  if (candidates.length === 0) return { problem: 'unknown-kid' };
  if (candidates.length > 1) return { problem: 'ambiguous-kid' };
  return { key: candidates[0] as Record<string, unknown> };
}
