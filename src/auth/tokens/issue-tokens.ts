import { hashToken } from './token-hash.ts';
import type { PendingJti } from '../client-auth/client-auth-method.ts';
import { replayedAssertion } from '../client-auth/methods/private-key-jwt.ts';
import type { AccessTokenClaims, Grant } from '../grants/grant.ts';
import { ID_TOKEN_ALG } from '../keys/signing-algorithms.ts';
import { SigningKeyError, type SigningKeys } from '../keys/signing-keys.ts';
import { signAccessToken } from './access-token.ts';
import { signIdToken } from './id-token.ts';
import type { IssuanceStores, TokenDeps } from './token-deps.ts';
import type { TokenResponse } from './token-response.ts';
import { releasesIdentity, userinfoMember } from './user-claims.ts';
import { epochSeconds } from '../../shared/time.ts';
import { accessTokenTimes, refreshTokenExpiry } from './simulated-token-errors.ts';

export interface IssueRequest {
  grant: Grant;
  /** The access token's scope: the grant's, or a narrower one on a down-scoping refresh. */
  scope: string;
  /**
   * The new refresh token's scope, when it differs from `scope`: on a refresh, the presented refresh
   * token's (RFC 6749 §6: identical to it, however narrow the access token asked).
   */
  refreshScope?: string;
  /** Seconds the access token lives. */
  lifetime: number;
  /** Seconds a (new) refresh token going with it lives; undefined for none. */
  refreshLifetime: number | undefined;
  /**
   * The grant is new and not stored yet: it is saved with the access token's ledger row, or `refused()` is thrown
   * when it cannot be (its Client deactivated or deleted since it authenticated: GrantStore.save's rule).
   */
  newGrant?: {
    refused: () => Error;
    /** The client assertion's jti, recorded by the same write; a replay refuses the request (nothing stored). */
    assertionJti?: PendingJti;
  };
}

/** The signing side of SigningKeys: what a token response is signed with. */
export type TokenSigningKeys = Pick<SigningKeys, 'accessTokenAlg' | 'signingKey'>;

/** Where one token response is recorded and what signs it: the token deps' own, or those of one transaction. */
export interface Issuance {
  stores: IssuanceStores;
  keys: TokenSigningKeys;
}

/**
 * The keys of one token response, read before its transaction begins: reading the key list (once a minute, or
 * when the key set is created) takes a database connection, which work inside the transaction must never wait for.
 */
export async function issuingKeys(keys: SigningKeys): Promise<TokenSigningKeys> {
  const accessKey = await keys.signingKey(keys.accessTokenAlg);
  const idKey = await keys.signingKey(ID_TOKEN_ALG);
  return {
    accessTokenAlg: keys.accessTokenAlg,
    async signingKey(alg) {
      const key = [accessKey, idKey].find((k) => k.alg === alg);
      if (!key) throw new SigningKeyError(`no ${alg} signing key was read for this token response`);
      return key;
    },
  };
}

/** Mints the access token (and refresh and id tokens when due) of one token response, recording them through `issuance`. */
export async function issueTokens(request: IssueRequest, deps: TokenDeps, issuance: Issuance): Promise<TokenResponse> {
  const { grant, scope, lifetime } = request;
  const { stores, keys } = issuance;
  const now = epochSeconds(deps.now());
  const { iat, exp } = accessTokenTimes(grant, now, lifetime);
  const scopes = new Set(scope.split(' ').filter((s) => s !== ''));
  const claims: AccessTokenClaims = {
    iss: deps.issuer,
    sub: grant.userId ?? grant.clientId,
    aud: deps.fhirBaseUrl,
    client_id: grant.clientId,
    scope,
    grant: grant.id,
    jti: deps.newId(),
    iat,
    exp,
    ...(grant.patient !== undefined ? { patient: grant.patient } : {}),
    ...(grant.encounter !== undefined ? { encounter: grant.encounter } : {}),
    ...(grant.fhirUser !== undefined ? { fhirUser: grant.fhirUser } : {}),
  };
  const accessToken = await signAccessToken(claims, keys);
  const assertion = request.newGrant?.assertionJti;
  const outcome = await stores.accessTokens.record(
    claims.jti,
    grant.id,
    iat,
    exp,
    request.newGrant ? { grant, now: deps.now(), ...(assertion ? { assertion } : {}) } : undefined,
  );
  if (assertion) assertion.recorded = true;
  if (outcome === 'assertion-replayed') throw replayedAssertion();
  if (outcome === 'grant-refused') throw (request.newGrant?.refused() ?? new Error('a grant was refused that was not new'));

  let refreshToken: string | undefined;
  if (request.refreshLifetime !== undefined) {
    refreshToken = deps.newSecret();
    await stores.refreshTokens.create(hashToken(refreshToken), {
      grantId: grant.id,
      scope: request.refreshScope ?? scope,
      issuedAt: now,
      expiresAt: refreshTokenExpiry(grant, now, request.refreshLifetime),
    });
  }
  const idToken =
    scopes.has('openid') && grant.userId !== undefined
      ? await signIdToken({ grant, scopes, issuer: deps.issuer, fhirBaseUrl: deps.fhirBaseUrl, issuedAt: now, expiresAt: now + lifetime }, keys)
      : undefined;

  const user = releasesIdentity(grant, scopes) && grant.userId !== undefined ? await stores.users.get(grant.userId) : undefined;

  return {
    access_token: accessToken,
    token_type: 'Bearer',
    expires_in: lifetime,
    scope,
    ...(refreshToken !== undefined ? { refresh_token: refreshToken } : {}),
    ...(idToken !== undefined ? { id_token: idToken } : {}),
    ...(grant.patient !== undefined ? { patient: grant.patient } : {}),
    ...(grant.encounter !== undefined ? { encounter: grant.encounter } : {}),
    ...(grant.fhirContext !== undefined && grant.fhirContext.length > 0 ? { fhirContext: grant.fhirContext } : {}),
    ...userLaunchMembers(grant, deps),
    ...(user !== undefined ? { userinfo: userinfoMember(user, grant) } : {}),
  };
}

/**
 * SMART 2.2 §"Launch context": `need_patient_banner` (true while a patient is in context, unless the
 * grant says otherwise) and `smart_style_url` (context-style), on every response of a user's grant —
 * the code exchange and each refresh alike. Backend (client_credentials) tokens have no user interface.
 */
function userLaunchMembers(grant: Grant, deps: TokenDeps): Pick<TokenResponse, 'need_patient_banner' | 'smart_style_url'> {
  if (grant.userId === undefined) return {};
  return {
    need_patient_banner: grant.needPatientBanner ?? grant.patient !== undefined,
    smart_style_url: grant.smartStyleUrl ?? deps.smartStyleUrl,
  };
}
