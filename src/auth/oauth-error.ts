import { basicChallenge, bearerChallenge } from './challenge.ts';

/**
 * The error codes of the authorization server, by the section that defines them. RFC 7662 introspection
 * defines none of its own: it answers with RFC 6749 §5.2's.
 */
export type OAuthErrorCode =
  // RFC 6749 §5.2: the token endpoint (and introspection, revocation, registration for malformed requests).
  | 'invalid_request'
  | 'invalid_client'
  | 'invalid_grant'
  | 'unauthorized_client'
  | 'unsupported_grant_type'
  | 'invalid_scope'
  // RFC 6749 §4.1.2.1: the authorization endpoint, redirected back to the client.
  | 'access_denied'
  | 'unsupported_response_type'
  | 'server_error'
  | 'temporarily_unavailable'
  // OIDC Core §3.1.2.6: the authorization endpoint, when `prompt=none` forbids asking the user.
  | 'interaction_required'
  | 'login_required'
  | 'consent_required'
  // RFC 6750 §3.1: a bearer token presented to a protected resource.
  | 'invalid_token'
  | 'insufficient_scope'
  // RFC 7591 §3.2.2: dynamic client registration.
  | 'invalid_redirect_uri'
  | 'invalid_client_metadata'
  // RFC 7009 §2.2.1: revocation.
  | 'unsupported_token_type';

/** The statuses an OAuthError is answered with. */
export type OAuthErrorStatus = 400 | 401 | 403 | 429;

export interface OAuthErrorOptions {
  /**
   * A `WWW-Authenticate` value (challenge.ts): for a client that authenticated with HTTP Basic (RFC 6749 §5.2),
   * and for a bearer token that was refused (RFC 6750 §3).
   */
  challenge?: string;
  /** Seconds for `Retry-After` (RFC 9110 §10.2.3), when the caller is throttled. */
  retryAfterSeconds?: number;
}

/**
 * An OAuth error: its code, the status it is answered with, and a description. Each OAuth surface renders it as
 * JSON `{error, error_description}` (RFC 6749 §5.2, RFC 7591 §3.2.2) with `status`, plus `WWW-Authenticate` when
 * `challenge` is set and `Retry-After` when `retryAfterSeconds` is. Descriptions name the check that failed (so a
 * developer can fix their client) and never carry secrets or key material.
 */
export class OAuthError extends Error {
  readonly challenge: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(
    readonly status: OAuthErrorStatus,
    readonly error: OAuthErrorCode,
    readonly description: string,
    options: OAuthErrorOptions = {},
  ) {
    super(`${error}: ${description}`);
    this.name = 'OAuthError';
    this.challenge = options.challenge;
    this.retryAfterSeconds = options.retryAfterSeconds;
  }
}

export const invalidRequest = (description: string) => new OAuthError(400, 'invalid_request', description);
export const invalidGrant = (description: string) => new OAuthError(400, 'invalid_grant', description);
export const invalidScope = (description: string) => new OAuthError(400, 'invalid_scope', description);
export const unauthorizedClient = (description: string) => new OAuthError(400, 'unauthorized_client', description);

/** The challenge of a client that authenticated with HTTP Basic: its credentials are form-encoded UTF-8 (RFC 6749 §2.3.1). */
const clientChallenge = (basic: boolean | undefined) => (basic ? { challenge: basicChallenge({ charset: 'UTF-8' }) } : {});

export const invalidClient = (description: string, options: { basic?: boolean } = {}) =>
  new OAuthError(401, 'invalid_client', description, clientChallenge(options.basic));

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
    { ...clientChallenge(options.basic), retryAfterSeconds },
  );

/** RFC 6750 §3.1: a missing or bad bearer token at a protected endpoint of the token side (userinfo). */
export function invalidToken(description: string): OAuthError {
  return new OAuthError(401, 'invalid_token', description, { challenge: bearerChallenge({ error: 'invalid_token', description }) });
}

/** RFC 6750 §3.1: a valid bearer token that lacks `scope`. */
export function insufficientScope(description: string, scope: string): OAuthError {
  return new OAuthError(403, 'insufficient_scope', description, { challenge: bearerChallenge({ error: 'insufficient_scope', scope }) });
}
