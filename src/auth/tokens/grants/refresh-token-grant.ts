import { accessTokenLifetime } from '../../clients/token-lifetime.ts';
import { hashToken } from '../../registration/bearer-token.ts';
import { formatScope, isSubsetOf, parseScopes } from '../../scopes/index.ts';
import { mayRefresh, type GrantHandler } from '../grant-handler.ts';
import { issueTokens } from '../issue-tokens.ts';
import { epochSeconds } from '../token-deps.ts';
import { sessionAllowsRefresh } from '../online-access.ts';
import { badRequest, invalidGrant, invalidScope, unauthorizedClient } from '../token-error.ts';
import { DEFAULT_USER_ACCESS_TOKEN_LIFETIME } from '../token-settings.ts';
import { refreshLifetime } from './authorization-code-grant.ts';

/**
 * RFC 6749 §6 with rotation and reuse detection (RFC 9700 §4.14.2): each use spends the token and
 * issues a new one; presenting a spent one revokes the whole grant.
 */
export const refreshTokenGrant: GrantHandler = {
  grantType: 'refresh_token',
  async handle(form, { client }, deps) {
    const token = form.refresh_token;
    if (token === undefined || token === '') throw badRequest('refresh_token is required');
    const hash = hashToken(token);
    // Checked before spending, so that another client presenting a stolen token cannot burn it.
    const found = await deps.refreshTokens.find(hash);
    const stored = found && (await deps.grants.get(found.grantId));
    if (!found || !stored || stored.grant.clientId !== client.id) throw invalidGrant('the refresh token is unknown, expired or revoked');
    if (!mayRefresh(client)) throw unauthorizedClient('this client may not use refresh tokens');
    // Before spending it, so retries keep getting these answers: a grant revoked, or ended with its client or user;
    // an online_access token whose session ended (a spent token still goes on to reuse detection).
    if (stored.revoked) throw invalidGrant('the refresh token is unknown, expired or revoked');
    if (!found.rotated && !(await sessionAllowsRefresh(stored.grant, found.scope, deps))) {
      throw invalidGrant('the sign-in session ended: this online_access refresh token no longer works (sign in again)');
    }

    const used = await deps.refreshTokens.rotate(hash, epochSeconds(deps.now()));
    if (used === undefined) throw invalidGrant('the refresh token is unknown, expired or revoked');
    if ('reused' in used) {
      await deps.grants.revoke(used.grantId, deps.now());
      throw invalidGrant('the refresh token was already used; the whole authorization is revoked');
    }

    const scope = narrowedScope(used.record.scope, form.scope);
    return issueTokens(
      {
        grant: stored.grant,
        scope,
        lifetime: accessTokenLifetime(client, 'authorization_code', {
          maxLifetime: deps.settings.accessTokenMaxLifetime,
          fallback: DEFAULT_USER_ACCESS_TOKEN_LIFETIME,
        }),
        // The rotated token keeps the scope of these tokens; a new offline period starts (ONC attestation 11.16).
        refreshLifetime: refreshLifetime(client, scope, deps) ?? deps.settings.refreshTokenLifetime,
      },
      deps,
    );
  },
};

/**
 * The scope of a refresh: the previous scope, or the asked subset of it, compared token by token
 * (RFC 6749 §6) and spelled as it was granted, since Inferno compares the strings.
 */
function narrowedScope(previous: string, asked: string | undefined): string {
  if (asked === undefined || asked.trim() === '') return previous;
  const granted = parseScopes(previous);
  const wanted = parseScopes(asked);
  if (!isSubsetOf(wanted, granted)) throw invalidScope('the requested scope exceeds the scope originally granted');
  const keep = new Set(wanted.map(formatScope));
  return granted
    .filter((s) => keep.has(formatScope(s)))
    .map((s) => s.text)
    .join(' ');
}
