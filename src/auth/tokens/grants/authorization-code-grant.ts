import { accessTokenLifetime } from '../../clients/token-lifetime.ts';
import type { StoredClient } from '../../clients/client-repository.ts';
import { hashToken } from '../../registration/bearer-token.ts';
import { mayRefresh, requireGrantType, requiresPkce, type GrantHandler } from '../grant-handler.ts';
import { issueTokens } from '../issue-tokens.ts';
import { pkceProblem } from '../pkce.ts';
import { epochSeconds, type TokenDeps } from '../token-deps.ts';
import { badRequest, invalidGrant } from '../token-error.ts';
import { DEFAULT_USER_ACCESS_TOKEN_LIFETIME } from '../token-settings.ts';

/**
 * RFC 6749 §4.1.3 with RFC 7636 §4.5: the code is consumed first (atomically, so exactly one of
 * concurrent redemptions proceeds), then checked; a failed check leaves it spent, so a stolen code
 * cannot be retried with guessed parameters. A replayed code revokes the grant (RFC 6749 §4.1.2).
 */
export const authorizationCodeGrant: GrantHandler = {
  grantType: 'authorization_code',
  async handle(form, { client }, deps) {
    requireGrantType(client, 'authorization_code');
    const code = form.code;
    if (code === undefined || code === '') throw badRequest('code is required');
    if (form.redirect_uri === undefined) throw badRequest('redirect_uri is required (RFC 6749 §4.1.3)');

    const used = await deps.codes.consume(hashToken(code), epochSeconds(deps.now()));
    if (used === undefined) throw invalidGrant('the code is unknown or expired');
    if ('reused' in used) {
      await deps.grants.revoke(used.grantId, deps.now());
      throw invalidGrant('the code was already used; the tokens issued for it are revoked');
    }
    const { record } = used;
    if (record.grant.clientId !== client.id) throw invalidGrant('the code was issued to another client');
    if (record.redirectUri !== form.redirect_uri) throw invalidGrant('redirect_uri differs from the one of the authorization request');
    checkPkce(client, record.codeChallenge, form.code_verifier);

    // Stored only while its client and user are active and have not been deactivated since the code was issued.
    if (!(await deps.grants.save(record.grant, deps.now()))) {
      throw invalidGrant('the authorization was revoked, or its client or user deactivated, since the code was issued');
    }
    return issueTokens(
      {
        grant: record.grant,
        scope: record.grant.scope,
        lifetime: accessTokenLifetime(client, 'authorization_code', {
          maxLifetime: deps.settings.accessTokenMaxLifetime,
          fallback: DEFAULT_USER_ACCESS_TOKEN_LIFETIME,
        }),
        refreshLifetime: refreshLifetime(client, record.grant.scope, deps),
      },
      deps,
    );
  },
};

function checkPkce(client: StoredClient, challenge: string | undefined, verifier: string | undefined): void {
  if (challenge === undefined) {
    if (requiresPkce(client)) throw invalidGrant('this client must use PKCE, and the authorization request had no code_challenge');
    // RFC 9700 §2.1.1: a verifier without a challenge is a downgrade attempt.
    if (verifier !== undefined) throw invalidGrant('code_verifier sent, but the authorization request had no code_challenge');
    return;
  }
  const problem = pkceProblem(challenge, verifier);
  if (problem) throw invalidGrant(problem);
}

/** Refresh tokens come with offline_access or online_access, to clients allowed to refresh. */
export function refreshLifetime(client: StoredClient, scope: string, deps: TokenDeps): number | undefined {
  const tokens = scope.split(' ');
  if (!mayRefresh(client) || !(tokens.includes('offline_access') || tokens.includes('online_access'))) return undefined;
  return client.auth?.authorization_code?.refresh_token_expiration ?? deps.settings.refreshTokenLifetime;
}
