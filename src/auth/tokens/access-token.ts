import { SignJWT } from 'jose';
import type { SigningKeys } from '../keys/signing-keys.ts';
import type { AccessTokenClaims } from '../grants/grant.ts';

/** RFC 9068 §2.1: the media type of JWT access tokens. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** Signs access-token claims with the active access-token key; `kid` in the header (compact JWS is URL-safe). */
export async function signAccessToken(claims: AccessTokenClaims, keys: Pick<SigningKeys, 'accessTokenAlg' | 'signingKey'>): Promise<string> {
  const key = await keys.signingKey(keys.accessTokenAlg);
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYP }).sign(key.key);
}

// Verification lives in verify-access-token.ts: one check for every place that accepts our tokens.
