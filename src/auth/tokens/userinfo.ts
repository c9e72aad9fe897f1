import { insufficientScope, invalidToken } from '../oauth-error.ts';
import { bearerToken } from '../registration/bearer-token.ts';
import type { TokenDeps } from './token-deps.ts';
import { activeAccessToken } from './token-lookup.ts';
import { userinfoClaims } from './user-claims.ts';

/**
 * GET|POST /auth/userinfo (OIDC Core §5.3): claims about the signed-in user of an `openid` access token —
 * the same facts as the token response's `userinfo` member (user-claims.ts).
 */
export async function userinfo(authorization: string | undefined, deps: TokenDeps): Promise<Record<string, unknown>> {
  const token = bearerToken(authorization);
  if (token === undefined) throw invalidToken('a Bearer access token is required');
  const claims = await activeAccessToken(token, deps);
  if (!claims) throw invalidToken('the access token is invalid, expired or revoked');
  const scopes = new Set(claims.scope.split(' '));
  if (!scopes.has('openid')) throw insufficientScope('the access token was not granted openid', 'openid');
  const stored = await deps.grants.get(claims.grant);
  const userId = stored?.grant.userId;
  if (stored === undefined || userId === undefined) throw invalidToken('the access token does not belong to a user');
  return userinfoClaims(userId, await deps.users.get(userId), stored.grant, deps.fhirBaseUrl);
}
