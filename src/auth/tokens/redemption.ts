import type { OAuthError } from '../oauth-error.ts';
import { issuingKeys, type Issuance } from './issue-tokens.ts';
import type { TokenDeps } from './token-deps.ts';
import type { TokenResponse } from './token-response.ts';

/**
 * What redeeming an authorization code or a refresh token came to, decided inside its transaction:
 * - `issued`: the token response; its records commit with the spending of the code or token.
 * - `refused`: an error that the spending must survive (a code is checked after it is spent, so a stolen one
 *   cannot be retried with guessed parameters): committed, then thrown.
 * - `replayed`: the code or token was spent before (RFC 6749 §4.1.2, RFC 9700 §4.14.2): the grant it was
 *   exchanged for is revoked once the transaction is over, then `error` is thrown.
 * Anything thrown inside rolls the whole redemption back: nothing is spent.
 */
export type Redemption = { issued: TokenResponse } | { refused: OAuthError } | { replayed: { grantId: string; error: OAuthError } };

/**
 * Runs one redemption in one transaction (TokenDeps.issueAtomically), with the keys that sign its tokens read
 * before it begins. A replay's revocation runs after it, on its own: it stands although the request fails.
 */
export async function redeemAtomically(deps: TokenDeps, work: (issuance: Issuance) => Promise<Redemption>): Promise<TokenResponse> {
  const keys = await issuingKeys(deps.signingKeys);
  const outcome = await deps.issueAtomically((stores) => work({ stores, keys }));
  if ('issued' in outcome) return outcome.issued;
  if ('replayed' in outcome) {
    await deps.grants.revoke(outcome.replayed.grantId, deps.now());
    throw outcome.replayed.error;
  }
  throw outcome.refused;
}
