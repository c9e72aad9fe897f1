import type { OAuthErrorCode } from '../oauth-error.ts';

/** Error codes of the token, introspection, revocation and userinfo endpoints (RFC 6749 §5.2, RFC 6750 §3.1, RFC 7009 §2.2.1). */
export type TokenErrorCode =
  | OAuthErrorCode
  | 'unsupported_grant_type'
  | 'unauthorized_client'
  | 'invalid_scope'
  | 'unsupported_token_type'
  | 'invalid_token'
  | 'insufficient_scope';

/** A token-side OAuth error; the HTTP layer renders it as `{error, error_description}` JSON with `status`. */
export class TokenError extends Error {
  constructor(
    readonly status: 400 | 401 | 403,
    readonly error: TokenErrorCode,
    readonly description: string,
    /** A `WWW-Authenticate` value (RFC 6750 §3 for bearer-protected endpoints). */
    readonly challenge?: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'TokenError';
  }
}

export const invalidGrant = (description: string) => new TokenError(400, 'invalid_grant', description);
export const invalidScope = (description: string) => new TokenError(400, 'invalid_scope', description);
export const badRequest = (description: string) => new TokenError(400, 'invalid_request', description);
export const unauthorizedClient = (description: string) => new TokenError(400, 'unauthorized_client', description);

/** RFC 6750 §3.1: a missing or bad bearer token at a protected endpoint. */
export function invalidToken(description: string): TokenError {
  const safe = description.replace(/[^\x20-\x7E]|["\\]/g, '');
  return new TokenError(401, 'invalid_token', description, `Bearer realm="portico", error="invalid_token", error_description="${safe}"`);
}
