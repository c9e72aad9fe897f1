import { refreshTokenHere } from '../token-lookup.ts';
import { accessTokenLifetime } from '../../clients/token-lifetime.ts';
import { hashToken } from '../token-hash.ts';
import { formatScope, isCoveredBy, parseScopes, scopeSyntaxProblem } from '../../scopes/index.ts';
import { mayRefresh, type GrantHandler } from '../grant-handler.ts';
import { issueTokens } from '../issue-tokens.ts';
import { redeemAtomically, type Redemption } from '../redemption.ts';
import { CredentialReuse } from '../credential-reuse.ts';
import { sessionAllowsRefresh } from '../online-access.ts';
import { invalidGrant, invalidScope, unauthorizedClient } from '../../oauth-error.ts';
import { parseTokenRequest, refreshTokenRequestSchema } from '../token-request-schemas.ts';
import { DEFAULT_USER_ACCESS_TOKEN_LIFETIME } from '../token-settings.ts';
import { refreshLifetime } from './authorization-code-grant.ts';
import { epochSeconds } from '../../../shared/time.ts';

/**
 * RFC 6749 §6 with rotation and reuse detection (RFC 9700 §4.14.2): each use spends the token and
 * issues a new one; presenting a spent one revokes the whole grant. Spending it and recording the new
 * tokens are one transaction: a storage fault on the way leaves it unspent, and the client's retry works.
 */
export const refreshTokenGrant: GrantHandler = {
  grantType: 'refresh_token',
  requestSchema: refreshTokenRequestSchema,
  async clientOf(form, deps) {
    const token = form.refresh_token;
    return token ? (await refreshTokenHere(hashToken(token), deps))?.stored.grant.clientId : undefined;
  },
  async handle(form, { client }, deps) {
    const request = parseTokenRequest(refreshTokenRequestSchema, form);
    const token = request.refresh_token;
    const hash = hashToken(token);
    // Checked before spending, so that another client presenting a stolen token cannot burn it.
    const here = await refreshTokenHere(hash, deps);
    if (!here || here.stored.grant.clientId !== client.id) throw invalidGrant('the refresh token is unknown, expired or revoked');
    const { found, stored } = here;
    if (!mayRefresh(client)) throw unauthorizedClient('this client may not use refresh tokens');
    // Checked before spending it, so that retries keep getting these answers and a refused request leaves the
    // token usable: a grant revoked, or ended with its client or user; an online_access token whose session
    // ended; a scope wider than the token's. A spent token of a standing grant goes on to reuse detection,
    // whatever it asks.
    if (stored.revoked) throw invalidGrant('the refresh token is unknown, expired or revoked');
    if (!found.rotated && !(await sessionAllowsRefresh(stored.grant, found.scope, deps))) {
      throw invalidGrant('the sign-in session ended: this online_access refresh token no longer works (sign in again)');
    }
    const now = epochSeconds(deps.now());
    const scope = found.rotated || found.expiresAt <= now ? undefined : accessTokenScope(found.scope, request.scope);

    const response = await redeemAtomically(deps, async (issuance): Promise<Redemption> => {
      const used = await issuance.stores.refreshTokens.rotate(hash, now);
      if (used === undefined) throw invalidGrant('the refresh token is unknown, expired or revoked');
      if ('reused' in used) {
        return { replayed: { grantId: used.grantId, error: new CredentialReuse('refresh-token', used.grantId, 'the refresh token was already used; the whole authorization is revoked') } };
      }

      // RFC 6749 §6: the new refresh token's scope is identical to the presented one's; only the access
      // token is narrowed. A new offline period starts (ONC attestation 11.16).
      const refreshScope = used.record.scope;
      const issued = await issueTokens(
        {
          grant: stored.grant,
          scope: scope ?? refreshScope,
          refreshScope,
          lifetime: accessTokenLifetime(client, 'authorization_code', {
            maxLifetime: deps.settings.accessTokenMaxLifetime,
            fallback: DEFAULT_USER_ACCESS_TOKEN_LIFETIME,
          }),
          refreshLifetime: refreshLifetime(client, refreshScope, deps) ?? deps.settings.refreshTokenLifetime,
        },
        deps,
        issuance,
      );
      return { issued };
    });
    return { response, grant: stored.grant };
  },
};

/**
 * The access token's scope on a refresh: the refresh token's, or the asked one when the refresh token's
 * scope covers it (RFC 6749 §6, by meaning: scope-containment.ts). Tokens asked again as granted keep the
 * grant's spelling and order (Inferno compares the strings); narrower ones follow as asked.
 */
function accessTokenScope(previous: string, asked: string | undefined): string {
  if (asked === undefined || asked.trim() === '') return previous;
  const problem = scopeSyntaxProblem(asked);
  if (problem) throw invalidScope(problem);
  const granted = parseScopes(previous);
  const wanted = parseScopes(asked);
  if (!isCoveredBy(wanted, granted)) throw invalidScope('the requested scope exceeds the scope originally granted');
  const grantedTokens = new Map(granted.map((s) => [formatScope(s), s.text]));
  const wantedTokens = new Set(wanted.map(formatScope));
  return [
    ...[...grantedTokens].filter(([token]) => wantedTokens.has(token)).map(([, text]) => text),
    ...[...wantedTokens].filter((token) => !grantedTokens.has(token)),
  ].join(' ');
}
