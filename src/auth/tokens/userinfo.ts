import { bearerToken } from '../registration/bearer-token.ts';
import { absoluteFhirUser } from './id-token.ts';
import type { TokenDeps } from './token-deps.ts';
import { invalidToken, TokenError } from './token-error.ts';
import { activeAccessToken } from './token-lookup.ts';

/** GET|POST /auth/userinfo (OIDC Core §5.3): claims about the signed-in user of an `openid` access token. */
export async function userinfo(authorization: string | undefined, deps: TokenDeps): Promise<Record<string, unknown>> {
  const token = bearerToken(authorization);
  if (token === undefined) throw invalidToken('a Bearer access token is required');
  const claims = await activeAccessToken(token, deps);
  if (!claims) throw invalidToken('the access token is invalid, expired or revoked');
  const scopes = new Set(claims.scope.split(' '));
  if (!scopes.has('openid')) {
    throw new TokenError(403, 'insufficient_scope', 'the access token was not granted openid', 'Bearer realm="portico", error="insufficient_scope", scope="openid"');
  }
  const stored = await deps.grants.get(claims.grant);
  const userId = stored?.grant.userId;
  if (userId === undefined) throw invalidToken('the access token does not belong to a user');
  const fhirUser = absoluteFhirUser(claims, deps.fhirBaseUrl);
  const info: Record<string, unknown> = { sub: claims.sub, ...(fhirUser !== undefined ? { fhirUser } : {}) };
  if (scopes.has('profile')) {
    const user = await deps.users.get(userId);
    const name = user?.name;
    const formatted = typeof name === 'string' ? name : (name?.formatted ?? ([name?.givenName, name?.familyName].filter(Boolean).join(' ') || undefined));
    if (formatted) info.name = formatted;
    if (typeof name === 'object' && name.givenName) info.given_name = name.givenName;
    if (typeof name === 'object' && name.familyName) info.family_name = name.familyName;
    if (user?.email) info.email = user.email;
  }
  return info;
}
