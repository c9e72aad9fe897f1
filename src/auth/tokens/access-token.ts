import { decodeProtectedHeader, jwtVerify, SignJWT } from 'jose';
import type { SigningKeys } from '../keys/signing-keys.ts';
import type { AccessTokenClaims, GrantStatus } from '../grants/grant.ts';

/** RFC 9068 §2.1: the media type of JWT access tokens. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/** Signs access-token claims with the active access-token key; `kid` in the header (compact JWS is URL-safe). */
export async function signAccessToken(claims: AccessTokenClaims, keys: SigningKeys): Promise<string> {
  const key = await keys.signingKey(keys.accessTokenAlg);
  return new SignJWT({ ...claims }).setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYP }).sign(key.key);
}

export interface AccessTokenCheck {
  keys: SigningKeys;
  grants: GrantStatus;
  /** Our issuer (BASE_URL) and the FHIR base URL (the tokens' audience). */
  issuer: string;
  audience: string;
  now: () => Date;
}

/**
 * The claims of one of our access tokens when it is well formed, signed by a published key, unexpired,
 * for our FHIR base, and its grant still stands; otherwise undefined (never throws).
 */
export async function verifyAccessToken(token: string, check: AccessTokenCheck): Promise<AccessTokenClaims | undefined> {
  const claims = await verifiedClaims(token, check);
  if (!claims) return undefined;
  return (await check.grants.isActive(claims.grant)) ? claims : undefined;
}

/** Signature, issuer, audience and expiry only; the grant is not consulted. */
export async function verifiedClaims(token: string, check: Omit<AccessTokenCheck, 'grants'>): Promise<AccessTokenClaims | undefined> {
  try {
    const header = decodeProtectedHeader(token);
    if (typeof header.kid !== 'string' || header.typ !== ACCESS_TOKEN_TYP) return undefined;
    const key = await check.keys.verificationKey(header.kid);
    if (!key) return undefined;
    const { payload } = await jwtVerify(token, key.key, {
      algorithms: [key.alg],
      issuer: check.issuer,
      audience: check.audience,
      typ: ACCESS_TOKEN_TYP,
      currentDate: check.now(),
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
    });
    if (typeof payload.grant !== 'string' || typeof payload.client_id !== 'string' || typeof payload.scope !== 'string') return undefined;
    return payload as unknown as AccessTokenClaims;
  } catch {
    return undefined;
  }
}
