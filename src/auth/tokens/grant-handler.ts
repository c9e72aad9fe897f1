import type { z } from 'zod';
import type { AuthenticatedClient } from '../client-auth/client-auth-method.ts';
import type { GrantType, StoredClient } from '../clients/client-repository.ts';
import { isPublicClient } from '../clients/client-kind.ts';
import { unauthorizedClient } from '../oauth-error.ts';
import type { TokenDeps } from './token-deps.ts';
import type { TokenResponse } from './token-response.ts';
import type { Grant } from '../grants/grant.ts';

/** A grant's token response, and the grant it was issued under (what its audit event names, by id). */
export interface IssuedTokens {
  response: TokenResponse;
  grant: Grant;
}

/** One grant type of the token endpoint (RFC 6749 §4): the request's other fields, after client authentication. */
export interface GrantHandler {
  grantType: GrantType;
  /** The request's shape for this grant, as `handle` parses it (token-request-schemas.ts). */
  requestSchema: z.ZodType;
  handle(form: Readonly<Record<string, string>>, caller: AuthenticatedClient, deps: TokenDeps): Promise<IssuedTokens>;
  /** The handler records a client assertion's jti with its own write (caller.pendingJti), not before it. */
  recordsAssertionJti?: boolean;
  /**
   * The client a request sent without any client credential is for, when the grant itself names it (a refresh
   * token names its grant's client): then that client authenticates as a public one (method `none`), which only
   * a public client may.
   */
  clientOf?(form: Readonly<Record<string, string>>, deps: TokenDeps): Promise<string | undefined>;
}

/** RFC 6749 §5.2 `unauthorized_client`: a Client listing its grant types may use only those. */
export function requireGrantType(client: StoredClient, grantType: GrantType): void {
  if (client.grant_types !== undefined && !client.grant_types.includes(grantType)) {
    throw unauthorizedClient(`this client is not registered for the ${grantType} grant`);
  }
}

/** Whether refresh tokens may be issued to this client (Aidbox's auth.authorization_code.refresh_token, or grant_types). */
export function mayRefresh(client: StoredClient): boolean {
  return client.auth?.authorization_code?.refresh_token === true || (client.grant_types ?? []).includes('refresh_token');
}

/** PKCE is mandatory for public clients and for clients configured with `pkce: true` (SMART 2.2 §"PKCE"). */
export function requiresPkce(client: StoredClient): boolean {
  return isPublicClient(client) || client.auth?.authorization_code?.pkce === true;
}
