import { OAuthError } from '../oauth-error.ts';
import { parseTokenRequest, tokenGrantTypeSchema } from './token-request-schemas.ts';
import type { GrantHandler, IssuedTokens } from './grant-handler.ts';
import { tokensIssued } from '../audit/security-events.ts';
import { grantActor, recordedRequest, type RequestNotes } from './recorded-request.ts';
import { presentsClientCredentials } from '../client-auth/presents-credentials.ts';
import { authorizationCodeGrant } from './grant-types/authorization-code-grant.ts';
import { clientCredentialsGrant } from './grant-types/client-credentials-grant.ts';
import { refreshTokenGrant } from './grant-types/refresh-token-grant.ts';
import type { TokenDeps } from './token-deps.ts';
import type { TokenResponse } from './token-response.ts';

/** The grant types the token endpoint serves, by `grant_type`. */
export const GRANT_HANDLERS: ReadonlyMap<string, GrantHandler> = new Map(
  [authorizationCodeGrant, refreshTokenGrant, clientCredentialsGrant].map((h) => [h.grantType, h]),
);

export interface TokenRequest {
  authorization?: string;
  form: Readonly<Record<string, string>>;
  /** The client's network address, as the HTTP layer saw it: its audit event's. */
  address?: string;
}

/**
 * POST /auth/token (RFC 6749 §3.2): the grant type must be known, then the client authenticates
 * (before anything is consumed), then the grant runs. Throws OAuthError. One audit event per request, committed
 * before the answer: the tokens issued (or refreshed), by grant id; the refusal, a reuse or a failed client
 * authentication. It is built from what the flow has in hand: no read of its own.
 */
export async function handleTokenRequest(request: TokenRequest, deps: TokenDeps): Promise<TokenResponse> {
  return recordedRequest(request, deps, async (notes) => {
    const { response, grant } = await runGrant(request, deps, notes);
    const grantType = request.form.grant_type ?? '';
    return { answer: response, event: tokensIssued(deps.audit.site, grantActor(grant, request), { grantType, scope: response.scope }) };
  });
}

async function runGrant(request: TokenRequest, deps: TokenDeps, notes: RequestNotes): Promise<IssuedTokens> {
  const grantType = parseTokenRequest(tokenGrantTypeSchema, request.form).grant_type;
  const handler = GRANT_HANDLERS.get(grantType);
  if (!handler) {
    throw new OAuthError(400, 'unsupported_grant_type', `grant_type must be one of ${[...GRANT_HANDLERS.keys()].join(', ')}`);
  }
  const caller = await deps.clientAuthenticator.authenticate(
    {
      ...(request.authorization !== undefined ? { authorization: request.authorization } : {}),
      form: await withNamedClient(request, handler, deps),
    },
    { deferJti: handler.recordsAssertionJti === true },
  );
  notes.client = caller.client;
  const pending = caller.pendingJti;
  if (!pending) return handler.handle(request.form, caller, deps);
  try {
    return await handler.handle(request.form, caller, deps);
  } catch (error) {
    // Refused before its write (a scope, a grant type): the assertion is spent all the same (RFC 7523 §3
    // item 7), and a replay is told as one, as when the jti is recorded first. A storage fault spends nothing.
    if (!pending.recorded && error instanceof OAuthError) await deps.clientAuthenticator.recordPendingJti(pending);
    throw error;
  }
}

/**
 * A request without any client credential, whose grant names its client (RFC 6749 §6: a public client's refresh
 * needs no client_id, as fhirclient sends it), is that client's `client_id` request; anything else as it came.
 */
async function withNamedClient(request: TokenRequest, handler: GrantHandler, deps: TokenDeps): Promise<Readonly<Record<string, string>>> {
  const form = request.form;
  if (!handler.clientOf || presentsClientCredentials(request)) return form;
  const clientId = await handler.clientOf(form, deps);
  return clientId === undefined ? form : { ...form, client_id: clientId };
}
