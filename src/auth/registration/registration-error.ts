/**
 * An OAuth-style error of the registration endpoints, rendered as RFC 7591 §3.2.2 JSON
 * `{error, error_description}` with its status; 401s carry a Bearer challenge (RFC 6750 §3).
 */
export type RegistrationErrorCode = 'invalid_redirect_uri' | 'invalid_client_metadata' | 'invalid_token' | 'invalid_client' | 'invalid_request';

export class RegistrationError extends Error {
  constructor(
    readonly status: number,
    readonly error: RegistrationErrorCode,
    readonly description: string,
  ) {
    super(`${error}: ${description}`);
    this.name = 'RegistrationError';
  }
}

export const invalidMetadata = (description: string) => new RegistrationError(400, 'invalid_client_metadata', description);
export const invalidRedirectUri = (description: string) => new RegistrationError(400, 'invalid_redirect_uri', description);
export const invalidToken = (description: string) => new RegistrationError(401, 'invalid_token', description);
