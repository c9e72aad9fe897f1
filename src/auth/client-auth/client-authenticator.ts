import { createImportedKeys } from './imported-keys.ts';
import type { AuthenticatedClient, AuthenticateOptions, ClientAuthDeps, ClientAuthMethodName, ClientAuthRequest, PendingJti } from './client-auth-method.ts';
import { replayedAssertion } from './methods/private-key-jwt.ts';
import { CLIENT_AUTH_METHODS } from './client-auth-methods.ts';
import { invalidRequest } from '../oauth-error.ts';

export interface ClientAuthenticator {
  /**
   * Authenticates the client of a token request with exactly one method (RFC 6749 §2.3).
   * Throws OAuthError: `invalid_request` (400) for two methods at once or a malformed request,
   * `invalid_client` (401) when authentication fails.
   */
  authenticate(request: ClientAuthRequest, options?: AuthenticateOptions): Promise<AuthenticatedClient>;
  /** Records a deferred jti alone; throws the replay's `invalid_client` when it was recorded already. */
  recordPendingJti(pending: PendingJti): Promise<void>;
}

export interface ClientAuthenticatorOptions extends ClientAuthDeps {
  /** The methods this endpoint accepts; all by default. */
  methods?: readonly ClientAuthMethodName[];
}

export function createClientAuthenticator(options: ClientAuthenticatorOptions): ClientAuthenticator {
  const enabled = new Set(options.methods ?? (Object.keys(CLIENT_AUTH_METHODS) as ClientAuthMethodName[]));
  const deps = { ...options, keys: options.keys ?? createImportedKeys() };
  return {
    async authenticate(request, authenticateOptions) {
      if (request.authorization !== undefined && request.authorization.trim() !== '' && !/^basic(\s|$)/i.test(request.authorization.trim())) {
        throw invalidRequest('the Authorization header of a token request must use the Basic scheme');
      }
      const presented = Object.values(CLIENT_AUTH_METHODS).filter((m) => m.presentedIn(request));
      if (presented.length > 1) {
        throw invalidRequest(`more than one client authentication method was used (${presented.map((m) => m.method).join(', ')}); use exactly one`);
      }
      const method = presented[0] ?? CLIENT_AUTH_METHODS.none;
      if (!enabled.has(method.method)) throw invalidRequest(`client authentication method ${method.method} is not accepted here`);
      return method.authenticate(request, deps, authenticateOptions);
    },
    async recordPendingJti(pending) {
      if (pending.recorded) return;
      const fresh = await deps.jtis.consume(pending.clientId, pending.jti, pending.rememberUntil, deps.now());
      pending.recorded = true;
      if (!fresh) throw replayedAssertion();
    },
  };
}
