/**
 * The errors an EHR launch may ask the sandbox's real endpoints to produce for the app it launches (the `sim` claim
 * of a launch token, honoured in sandbox mode only), so that an app's error handling can be tried against the
 * server's own answers: the authorize endpoint, the token endpoint or the FHIR API behaves for that launch as it
 * does for the real fault, never a page made up to look like it.
 */
export const SIMULATED_ERRORS = [
  'auth_invalid_client_id',
  'auth_invalid_redirect_uri',
  'auth_invalid_scope',
  'auth_invalid_client_secret',
  'token_invalid_token',
  'token_expired_refresh_token',
  'request_invalid_token',
  'request_expired_token',
] as const;

export type SimulatedError = (typeof SIMULATED_ERRORS)[number];

/** What each one does, in words (the launcher offers them so). */
export const SIMULATED_ERROR_EFFECTS: Readonly<Record<SimulatedError, string>> = {
  auth_invalid_client_id: 'the authorize endpoint answers as for an unknown client: an error page, no redirect to the app',
  auth_invalid_redirect_uri: 'the authorize endpoint answers as for an unregistered redirect_uri: an error page, no redirect to the app',
  auth_invalid_scope: 'the authorize endpoint redirects to the app with error=invalid_scope',
  auth_invalid_client_secret: 'the code exchange is refused with 401 invalid_client',
  token_invalid_token: 'the code exchange is refused with 400 invalid_grant',
  token_expired_refresh_token: 'tokens are issued, but the refresh token is already expired: refreshing gets invalid_grant',
  request_invalid_token: 'the access token is revoked as it is issued: the FHIR API answers 401 invalid_token',
  request_expired_token: 'the access token is issued already expired: the FHIR API answers 401 invalid_token (expired)',
};

export function isSimulatedError(value: unknown): value is SimulatedError {
  return typeof value === 'string' && (SIMULATED_ERRORS as readonly string[]).includes(value);
}
