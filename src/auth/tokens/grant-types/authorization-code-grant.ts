import { accessTokenLifetime } from '../../clients/token-lifetime.ts';
import type { StoredClient } from '../../clients/client-repository.ts';
import { grantTenant, type AuthorizationCodeRecord } from '../../grants/grant.ts';
import { hashToken } from '../token-hash.ts';
import { mayRefresh, requireGrantType, requiresPkce, type GrantHandler } from '../grant-handler.ts';
import { issueTokens } from '../issue-tokens.ts';
import { pkceProblem } from '../pkce.ts';
import { redeemAtomically, type Redemption } from '../redemption.ts';
import { CredentialReuse } from '../credential-reuse.ts';
import type { TokenDeps } from '../token-deps.ts';
import { invalidGrant, type OAuthError } from '../../oauth-error.ts';
import { authorizationCodeRequestSchema, parseTokenRequest } from '../token-request-schemas.ts';
import type { z } from 'zod';

type AuthorizationCodeRequest = z.output<typeof authorizationCodeRequestSchema>;
import { DEFAULT_USER_ACCESS_TOKEN_LIFETIME } from '../token-settings.ts';
import { epochSeconds } from '../../../shared/time.ts';
import { revokedAtIssue, simulatedCodeExchangeError } from '../simulated-token-errors.ts';

const UNKNOWN_CODE = 'the code is unknown or expired';

/**
 * RFC 6749 §4.1.3 with RFC 7636 §4.5: the code is consumed first (atomically, so exactly one of
 * concurrent redemptions proceeds), then checked; a failed check leaves it spent, so a stolen code
 * cannot be retried with guessed parameters. A replayed code revokes the grant (RFC 6749 §4.1.2).
 * Spending the code, storing its grant and recording the tokens are one transaction: a storage fault
 * on the way leaves the code unspent, and the client's retry redeems it.
 */
export const authorizationCodeGrant: GrantHandler = {
  grantType: 'authorization_code',
  requestSchema: authorizationCodeRequestSchema,
  async handle(form, { client }, deps) {
    requireGrantType(client, 'authorization_code');
    const request = parseTokenRequest(authorizationCodeRequestSchema, form);
    const code = request.code;

    let redeemed: AuthorizationCodeRecord | undefined;
    const issued = await redeemAtomically(deps, async (issuance): Promise<Redemption> => {
      const { stores } = issuance;
      const used = await stores.codes.consume(hashToken(code), epochSeconds(deps.now()));
      if (used === undefined) throw invalidGrant(UNKNOWN_CODE);
      if ('reused' in used) {
        return { replayed: { grantId: used.grantId, error: new CredentialReuse('code', used.grantId, 'the code was already used; the tokens issued for it are revoked') } };
      }
      const { record } = used;
      // Another tenant's code is unknown here, as if it did not exist; spending it is the safe side of the mistake.
      if (grantTenant(record.grant) !== deps.tenant) return { refused: invalidGrant(UNKNOWN_CODE) };
      const problem = redemptionProblem(client, record, request) ?? simulatedCodeExchangeError(record.grant);
      if (problem) return { refused: problem };
      redeemed = record;

      // Stored only while its client and user are active and have not been deactivated since the code was issued.
      if (!(await stores.grants.save(record.grant, deps.now()))) {
        return { refused: invalidGrant('the authorization was revoked, or its client or user deactivated, since the code was issued') };
      }
      const issued = await issueTokens(
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
        issuance,
      );
      return { issued };
    });
    // A sandbox launch simulating a refused access token: its grant is revoked the moment its tokens exist.
    if (!redeemed) throw new Error('a code redemption issued tokens without its record');
    const { grant } = redeemed;
    if (revokedAtIssue(grant)) await deps.grants.revoke(grant.id, deps.now());
    return { response: issued, grant };
  },
};

/** Why a spent code is not this request's to redeem: another client's, another redirect_uri, or PKCE failing. */
function redemptionProblem(client: StoredClient, record: AuthorizationCodeRecord, form: AuthorizationCodeRequest): OAuthError | undefined {
  if (record.grant.clientId !== client.id) return invalidGrant('the code was issued to another client');
  if (record.redirectUri !== form.redirect_uri) return invalidGrant('redirect_uri differs from the one of the authorization request');
  return pkceProblemOf(client, record.codeChallenge, form.code_verifier);
}

/** PKCE as the authorization request set it up (RFC 7636 §4.6), and as this client must use it. */
function pkceProblemOf(client: StoredClient, challenge: string | undefined, verifier: string | undefined): OAuthError | undefined {
  if (challenge === undefined) {
    if (requiresPkce(client)) return invalidGrant('this client must use PKCE, and the authorization request had no code_challenge');
    // RFC 9700 §2.1.1: a verifier without a challenge is a downgrade attempt.
    if (verifier !== undefined) return invalidGrant('code_verifier sent, but the authorization request had no code_challenge');
    return undefined;
  }
  const problem = pkceProblem(challenge, verifier);
  return problem ? invalidGrant(problem) : undefined;
}

/** Refresh tokens come with offline_access or online_access, to clients allowed to refresh. */
export function refreshLifetime(client: StoredClient, scope: string, deps: TokenDeps): number | undefined {
  const tokens = scope.split(' ');
  if (!mayRefresh(client) || !(tokens.includes('offline_access') || tokens.includes('online_access'))) return undefined;
  return client.auth?.authorization_code?.refresh_token_expiration ?? deps.settings.refreshTokenLifetime;
}
