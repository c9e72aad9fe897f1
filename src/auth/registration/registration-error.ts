import { bearerChallenge } from '../challenge.ts';
import { OAuthError } from '../oauth-error.ts';

/** RFC 7591 §3.2.2: metadata the registration endpoints refuse. */
export const invalidMetadata = (description: string) => new OAuthError(400, 'invalid_client_metadata', description);
export const invalidRedirectUri = (description: string) => new OAuthError(400, 'invalid_redirect_uri', description);

/**
 * A 401 of the registration endpoints, with the Bearer challenge (RFC 6750 §3) naming its error; these endpoints
 * name no realm.
 */
export function unauthorized(error: 'invalid_token' | 'invalid_client', description: string, options: { retryAfterSeconds?: number } = {}): OAuthError {
  return new OAuthError(401, error, description, { ...options, challenge: bearerChallenge({ realm: false, error, description }) });
}

/** RFC 6750 §3.1: a missing or bad initial or registration access token (RFC 7591 §3, RFC 7592 §2.1). */
export const invalidToken = (description: string) => unauthorized('invalid_token', description);
