/**
 * An RFC 6749 §5.2 token-endpoint error, raised by client authentication. The HTTP layer renders it as
 * JSON `{error, error_description}` with `status`, plus `WWW-Authenticate` when `challenge` is set.
 * Descriptions name the check that failed (so a developer can fix their client) and never carry
 * secrets or key material.
 */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant';

export class OAuthError extends Error {
  constructor(
    readonly status: 400 | 401 | 429,
    readonly error: OAuthErrorCode,
    readonly description: string,
    /** A `WWW-Authenticate` value; set when the client authenticated with HTTP Basic (RFC 6749 §5.2). */
    readonly challenge?: string,
    /** Seconds for `Retry-After` (RFC 9110 §10.2.3), when the client_id is throttled. */
    readonly retryAfterSeconds?: number,
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

/**
 * Too many failed client authentications for this client_id within the window. The code stays
 * `invalid_client` (RFC 6749 §5.2): the client did not authenticate, and a client that treats it as such stops
 * retrying with a wrong secret; `temporarily_unavailable` would blame the server and `slow_down` belongs to
 * device-flow polling (RFC 8628 §3.5). A client that authenticated with HTTP Basic gets 401 with
 * `WWW-Authenticate`, which RFC 6749 §5.2 requires for it; any other, 429 (RFC 6585 §4). Both carry
 * `Retry-After` (RFC 9110 §10.2.3). Unknown and known client_ids, right and wrong secrets get the same answer.
 */
export const tooManyAttempts = (retryAfterSeconds: number, options: { basic?: boolean } = {}) =>
  new OAuthError(
    options.basic ? 401 : 429,
    'invalid_client',
    `too many failed client authentications for this client_id; try again in ${retryAfterSeconds} seconds`,
    options.basic ? BASIC_CHALLENGE : undefined,
    retryAfterSeconds,
  );
