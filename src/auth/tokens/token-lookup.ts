import { grantTenant, type AccessTokenClaims, type Grant } from '../grants/grant.ts';
import type { RefreshTokenRecord, StoredGrant } from '../grants/grant-store.ts';
import { hashToken } from './token-hash.ts';
import { checkAccessTokenClaims, verifyAccessToken } from './verify-access-token.ts';
import type { TokenDeps } from './token-deps.ts';
import { sessionAllowsRefresh } from './online-access.ts';
import { epochSeconds } from '../../shared/time.ts';

/** An active token of ours, whichever kind. */
export type ActiveToken =
  | { kind: 'access_token'; claims: AccessTokenClaims }
  | { kind: 'refresh_token'; grant: Grant; scope: string; issuedAt: number; expiresAt: number };

/**
 * A stored refresh token (spent or not) and its grant, when the grant is this issuer's tenant's: another tenant's
 * refresh token is unknown here, whatever is asked of it (redeeming, naming its client, introspecting, revoking).
 */
export async function refreshTokenHere(tokenHash: string, deps: Pick<TokenDeps, 'refreshTokens' | 'grants' | 'tenant'>): Promise<{ found: RefreshTokenRecord & { rotated: boolean }; stored: StoredGrant } | undefined> {
  const found = await deps.refreshTokens.find(tokenHash);
  const stored = found && (await deps.grants.get(found.grantId));
  return found && stored && grantTenant(stored.grant) === deps.tenant ? { found, stored } : undefined;
}

const accessCheck = (deps: TokenDeps) => ({ keys: deps.signingKeys, grants: deps.grants, issuer: deps.issuer, audience: deps.fhirBaseUrl, now: deps.now });

/** The active access token this string is (signature, expiry, grant standing), or undefined. */
export async function activeAccessToken(token: string, deps: TokenDeps): Promise<AccessTokenClaims | undefined> {
  const verified = await verifyAccessToken(token, accessCheck(deps));
  return verified.valid ? verified.claims : undefined;
}

/** The refresh token this string is, while unspent, unexpired, its grant stands and (online_access) its session lives. */
async function activeRefreshToken(token: string, deps: TokenDeps): Promise<ActiveToken | undefined> {
  const here = await refreshTokenHere(hashToken(token), deps);
  if (!here) return undefined;
  const { found, stored } = here;
  if (found.rotated || found.expiresAt <= epochSeconds(deps.now()) || stored.revoked) return undefined;
  // An online_access refresh token whose sign-in session ended is no longer usable, so not active (RFC 7662 §2.2).
  if (!(await sessionAllowsRefresh(stored.grant, found.scope, deps))) return undefined;
  return { kind: 'refresh_token', grant: stored.grant, scope: found.scope, issuedAt: found.issuedAt, expiresAt: found.expiresAt };
}

/** Looks a token up as the hinted kind first, then the other (RFC 7009 §2.1, RFC 7662 §2.1: hints are only hints). */
export async function findActiveToken(token: string, hint: string | undefined, deps: TokenDeps): Promise<ActiveToken | undefined> {
  const asAccess = async (): Promise<ActiveToken | undefined> => {
    const claims = await activeAccessToken(token, deps);
    return claims && { kind: 'access_token', claims };
  };
  const order = hint === 'refresh_token' ? [() => activeRefreshToken(token, deps), asAccess] : [asAccess, () => activeRefreshToken(token, deps)];
  for (const lookup of order) {
    const found = await lookup();
    if (found) return found;
  }
  return undefined;
}

/**
 * The grant a token of ours belongs to (for revocation): any validly signed access token, even
 * expired, or any stored refresh token, spent or not.
 */
export async function grantOfToken(token: string, deps: TokenDeps): Promise<{ grantId: string; clientId: string } | undefined> {
  const checked = await checkAccessTokenClaims(token, { keys: deps.signingKeys, issuer: deps.issuer, audience: deps.fhirBaseUrl, now: () => new Date(0) });
  const claims = checked.valid ? checked.claims : undefined;
  if (claims) return { grantId: claims.grant, clientId: claims.client_id };
  const here = await refreshTokenHere(hashToken(token), deps);
  return here && { grantId: here.found.grantId, clientId: here.stored.grant.clientId };
}
