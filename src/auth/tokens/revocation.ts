import { unauthorizedClient } from '../oauth-error.ts';
import { parseTokenRequest, revocationRequestSchema } from './token-request-schemas.ts';
import type { TokenDeps } from './token-deps.ts';
import { grantOfToken } from './token-lookup.ts';
import type { TokenRequest } from './token-endpoint.ts';
import { tokenRevoked } from '../audit/security-events.ts';
import { addressOf, recordedRequest } from './recorded-request.ts';

/**
 * POST /auth/revoke (RFC 7009 §2.1): the client authenticates; a token of its own (access or
 * refresh, the hint only a hint) revokes the whole grant, so every token of that authorization stops
 * working at once. Unknown tokens are not an error (§2.2). Recorded before the answer: the grant revoked, by id, or
 * that there was nothing to revoke.
 */
export async function revoke(request: TokenRequest, deps: TokenDeps): Promise<void> {
  return recordedRequest(request, deps, async (notes) => {
    const { client } = await deps.clientAuthenticator.authenticate({
      ...(request.authorization !== undefined ? { authorization: request.authorization } : {}),
      form: request.form,
    });
    notes.client = client;
    const { token } = parseTokenRequest(revocationRequestSchema, request.form);
    const owner = await grantOfToken(token, deps);
    // §2.1: a client may revoke only tokens issued to it.
    if (owner && owner.clientId !== client.id) throw unauthorizedClient('the token was not issued to this client');
    if (owner) await deps.grants.revoke(owner.grantId, deps.now());
    return { answer: undefined, event: tokenRevoked(deps.audit.site, { clientId: client.id, ...(owner ? { grantId: owner.grantId } : {}), ...addressOf(request) }) };
  });
}
