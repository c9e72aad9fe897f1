/**
 * An RFC 6749 §5.2 token-endpoint error, raised by client authentication. The HTTP layer renders it as
 * JSON `{error, error_description}` with `status`, plus `WWW-Authenticate` when `challenge` is set.
 * Descriptions name the check that failed (so a developer can fix their client) and never carry
 * secrets or key material.
 */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant';

export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401,
    readonly error: OAuthErrorCode,
    readonly description: string,
    /** A `WWW-Authenticate` value; set when the client authenticated with HTTP Basic (RFC 6749 §5.2). */
    readonly challenge?: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
  }
}

/** RFC 7617 §2 challenge: a realm is required. */
export const BASIC_CHALLENGE = 'Basic realm="portico", charset="UTF-8"';

export const invalidRequest = (description: string) => new OAuthError(400, 'invalid_request', description);

export const invalidClient = (description: string, options: { basic?: boolean } = {}) =>
  new OAuthError(401, 'invalid_client', description, options.basic ? BASIC_CHALLENGE : undefined);
