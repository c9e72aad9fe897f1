import { isApproved } from '../../clients/client-repository.ts';
import { accessTokenLifetime } from '../../clients/token-lifetime.ts';
import type { Grant } from '../../grants/grant.ts';
import { formatScopes, intersectScopes, parseScopes, scopeSyntaxProblem } from '../../scopes/index.ts';
import type { GrantHandler } from '../grant-handler.ts';
import { issueTokens } from '../issue-tokens.ts';
import { invalidClient, invalidScope, unauthorizedClient } from '../../oauth-error.ts';
import { clientCredentialsRequestSchema, parseTokenRequest } from '../token-request-schemas.ts';
import { DEFAULT_BACKEND_ACCESS_TOKEN_LIFETIME } from '../token-settings.ts';

/**
 * RFC 6749 §4.4 as SMART Backend Services uses it: a confidential client (private_key_jwt, or a
 * secret where the Client allows it) gets `system/` scopes it is registered for; no refresh token.
 */
export const clientCredentialsGrant: GrantHandler = {
  grantType: 'client_credentials',
  // The assertion's jti, the grant and the token row: one statement, one durable commit.
  recordsAssertionJti: true,
  requestSchema: clientCredentialsRequestSchema,
  async handle(form, { client, method, pendingJti }, deps) {
    if (method === 'none') throw unauthorizedClient('client_credentials needs a confidential client (RFC 6749 §4.4)');
    if (!(client.grant_types ?? []).includes('client_credentials')) throw unauthorizedClient('this client is not registered for the client_credentials grant');
    // A developer's app gets no token on its own until the operator approves it (its owner is no user here).
    if (!isApproved(client)) throw unauthorizedClient('this app is not approved yet: it gets tokens once the server operator approves it');
    const asked = parseTokenRequest(clientCredentialsRequestSchema, form).scope;
    const problem = scopeSyntaxProblem(asked);
    if (problem) throw invalidScope(problem);

    const granted = intersectScopes(parseScopes(asked), parseScopes((client.scope ?? []).join(' '))).filter(
      (s) => s.kind === 'resource' && s.context === 'system',
    );
    if (granted.length === 0) throw invalidScope('none of the requested scopes is a system/ scope this client is registered for');

    const grant: Grant = { id: deps.newId(), clientId: client.id, scope: formatScopes(granted), tenant: deps.tenant };
    const response = await issueTokens(
      {
        grant,
        scope: grant.scope,
        lifetime: accessTokenLifetime(client, 'client_credentials', {
          maxLifetime: deps.settings.accessTokenMaxLifetime,
          fallback: DEFAULT_BACKEND_ACCESS_TOKEN_LIFETIME,
        }),
        refreshLifetime: undefined,
        // Another process may have deactivated the client since this one read it (CLIENT_CACHE_MS): then no token.
        newGrant: {
          refused: () => invalidClient('unknown or inactive client', { basic: method === 'client_secret_basic' }),
          ...(pendingJti ? { assertionJti: pendingJti } : {}),
        },
      },
      deps,
      // No transaction: its one write records the assertion's jti, stores the grant and records the token (AccessTokenLedger.record).
      { stores: deps, keys: deps.signingKeys },
    );
    return { response, grant };
  },
};
