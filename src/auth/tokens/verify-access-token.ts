import { decodeProtectedHeader, errors, jwtVerify } from 'jose';
import type { AccessTokenClaims, GrantStatus } from '../grants/grant.ts';
import type { SigningKeys } from '../keys/signing-keys.ts';
import { SIGNING_ALGS } from '../keys/signing-algorithms.ts';
import { ACCESS_TOKEN_TYP } from './access-token.ts';
import type { VerifiedTokenCache } from './verified-token-cache.ts';
import { epochSeconds } from '../../shared/time.ts';

export interface AccessTokenVerifierDeps {
  keys: Pick<SigningKeys, 'verificationKey'>;
  grants: GrantStatus;
  /** Our issuer (BASE_URL). */
  issuer: string;
  /** The FHIR base URL: the only audience our FHIR API accepts. */
  audience: string;
  now: () => Date;
  /** Tokens already verified (signature and claims), so a repeated token skips the signature check. */
  verified?: VerifiedTokenCache;
}

export type TokenVerification = { valid: true; claims: AccessTokenClaims } | { valid: false; reason: string };

const invalid = (reason: string) => ({ valid: false, reason }) as const;
/**
 * How far ahead of our clock an access token's `iat` may be, seconds: room for processes whose clocks
 * disagree a little. A token stamped later than that was not issued by a server keeping time with us
 * (a skewed or forged clock); it is refused rather than trusted for its whole life ahead.
 */
export const ACCESS_TOKEN_IAT_SKEW_SECONDS = 60;
const NOT_OUR_KEY = 'the access token was not signed by a key of this server';

/**
 * The one check of our access tokens, for the FHIR API, introspection and userinfo alike (RFC 6750
 * §3.1 `invalid_token` when it fails): a JWS signed by a published key of ours chosen by `kid` (its
 * algorithm, never `none`), typed `at+jwt` (RFC 9068 §2.1, so an id_token or client assertion never
 * passes), issued by us, for the FHIR base, unexpired, not issued in the future, with the claims of
 * AccessTokenClaims, and its grant still active. The reason says what failed, for error_description;
 * it never echoes token contents.
 */
export async function verifyAccessToken(token: string, deps: AccessTokenVerifierDeps): Promise<TokenVerification> {
  const nowSeconds = epochSeconds(deps.now());
  const remembered = deps.verified?.get(token, nowSeconds);
  let claims: AccessTokenClaims;
  if (remembered) {
    // A key retired since (by `portico keys retire`, or by age) takes its tokens with it.
    if (!(await deps.keys.verificationKey(remembered.kid))) return invalid(NOT_OUR_KEY);
    claims = remembered.claims;
  } else {
    const checked = await checkSignedToken(token, deps);
    if (!checked.valid) return checked;
    claims = checked.claims;
    deps.verified?.set(token, { claims, kid: checked.kid }, nowSeconds);
  }
  if (claims.iat > nowSeconds + ACCESS_TOKEN_IAT_SKEW_SECONDS) return invalid('the access token is not valid yet (issued in the future)');
  if (!(await deps.grants.isActive(claims.grant))) return invalid('the access token was revoked');
  return { valid: true, claims };
}

/**
 * Everything verifyAccessToken checks but the grant's standing and `iat` (revocation needs the grant of
 * a revoked token, and reads tokens with a clock at 0 so that expired ones count).
 */
export async function checkAccessTokenClaims(token: string, deps: Omit<AccessTokenVerifierDeps, 'grants'>): Promise<TokenVerification> {
  return checkSignedToken(token, deps);
}

/** The signature (with the key it names) and the claims; the kid, for the verified-token cache. */
async function checkSignedToken(
  token: string,
  deps: Omit<AccessTokenVerifierDeps, 'grants'>,
): Promise<{ valid: true; claims: AccessTokenClaims; kid: string } | { valid: false; reason: string }> {
  let kid: unknown;
  let alg: unknown;
  try {
    ({ kid, alg } = decodeProtectedHeader(token));
  } catch {
    return invalid('the access token is not a well-formed JWT');
  }
  if (typeof alg !== 'string' || !(SIGNING_ALGS as readonly string[]).includes(alg)) return invalid('the access token is not signed with an accepted algorithm');
  if (typeof kid !== 'string') return invalid('the access token names no signing key (kid)');
  const key = await deps.keys.verificationKey(kid);
  if (!key) return invalid(NOT_OUR_KEY);
  if (key.alg !== alg) return invalid('the access token algorithm does not match its key');
  let payload: Record<string, unknown>;
  try {
    ({ payload } = await jwtVerify(token, key.key, {
      algorithms: [key.alg],
      issuer: deps.issuer,
      audience: deps.audience,
      typ: ACCESS_TOKEN_TYP,
      currentDate: deps.now(),
      requiredClaims: ['sub', 'exp', 'iat', 'jti'],
    }));
  } catch (err) {
    return invalid(describe(err));
  }
  if (typeof payload.grant !== 'string' || typeof payload.client_id !== 'string' || typeof payload.scope !== 'string') {
    return invalid('the access token lacks the grant, client_id or scope claim');
  }
  for (const claim of ['patient', 'encounter', 'fhirUser'] as const) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'string') return invalid(`the access token's ${claim} claim is not a string`);
  }
  return { valid: true, claims: payload as unknown as AccessTokenClaims, kid };
}

function describe(err: unknown): string {
  if (err instanceof errors.JWTExpired) return 'the access token expired';
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'the access token signature is invalid';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return 'the access token is not meant for this FHIR server (aud)';
    if (err.claim === 'iss') return 'the access token was not issued by this server (iss)';
    if (err.claim === 'nbf' || err.claim === 'iat') return 'the access token is not valid yet';
    return `the access token's ${err.claim} claim is invalid`;
  }
  return 'the access token is invalid';
}
