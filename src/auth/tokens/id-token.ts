import { SignJWT } from 'jose';
import { ID_TOKEN_ALG } from '../keys/signing-algorithms.ts';
import type { SigningKeys } from '../keys/signing-keys.ts';
import type { Grant } from '../grants/grant.ts';

export interface IdTokenInput {
  grant: Grant;
  /** The granted scope tokens. */
  scopes: ReadonlySet<string>;
  issuer: string;
  fhirBaseUrl: string;
  /** Epoch seconds. */
  issuedAt: number;
  expiresAt: number;
}

/** The absolute fhirUser URL of a grant (SMART 2.2 §"Scopes for requesting identity data"). */
export function absoluteFhirUser(grant: Pick<Grant, 'fhirUser'>, fhirBaseUrl: string): string | undefined {
  if (!grant.fhirUser) return undefined;
  return /^https?:\/\//.test(grant.fhirUser) ? grant.fhirUser : `${fhirBaseUrl}/${grant.fhirUser}`;
}

/**
 * The OpenID Connect id_token (OIDC Core §2, §3.1.3.6), RS256 with `kid`. `fhirUser` for the
 * `fhirUser` scope (SMART v2), `profile` for the v1 `profile` scope.
 */
export async function signIdToken(input: IdTokenInput, keys: Pick<SigningKeys, 'signingKey'>): Promise<string> {
  const { grant, scopes } = input;
  const fhirUser = absoluteFhirUser(grant, input.fhirBaseUrl);
  const claims: Record<string, unknown> = {
    ...(grant.authTime !== undefined ? { auth_time: grant.authTime } : {}),
    ...(grant.nonce !== undefined ? { nonce: grant.nonce } : {}),
    ...(fhirUser && scopes.has('fhirUser') ? { fhirUser } : {}),
    ...(fhirUser && scopes.has('profile') ? { profile: fhirUser } : {}),
  };
  const key = await keys.signingKey(ID_TOKEN_ALG);
  return new SignJWT(claims)
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: 'JWT' })
    .setIssuer(input.issuer)
    .setSubject(grant.userId ?? grant.clientId)
    .setAudience(grant.clientId)
    .setIssuedAt(input.issuedAt)
    .setExpirationTime(input.expiresAt)
    .sign(key.key);
}
