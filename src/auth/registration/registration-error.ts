import { OAuthError } from '../oauth-error.ts';

/** RFC 7591 §3.2.2: metadata the registration endpoints refuse. */
export const invalidMetadata = (description: string) => new OAuthError(400, 'invalid_client_metadata', description);
export const invalidRedirectUri = (description: string) => new OAuthError(400, 'invalid_redirect_uri', description);

/** RFC 6750 §3.1: a missing or bad initial or registration access token (RFC 7591 §3, RFC 7592 §2.1). */
export const invalidToken = (description: string) => new OAuthError(401, 'invalid_token', description);
