import type { Grant } from '../grants/grant.ts';
import { invalidClient, invalidGrant, type OAuthError } from '../oauth-error.ts';

/**
 * How the token side produces the error a sandbox EHR launch asked for (Grant.simulatedError), each with the
 * real mechanism: the code exchange refused as for the real fault, a refresh token stored already expired, an
 * access token signed already expired, or its grant revoked as it is issued. A grant carries one only when the
 * sandbox's authorize endpoint honoured the launch (verify-launch), and every one of them refuses or ends
 * access, never widens it.
 */

/** RFC 6749 §5.2: the code exchange's answer for a grant simulating a failed client authentication or a bad code. */
export function simulatedCodeExchangeError(grant: Grant): OAuthError | undefined {
  // The same descriptions as the real faults (secret-client.ts, authorization-code-grant.ts).
  if (grant.simulatedError === 'auth_invalid_client_secret') return invalidClient('invalid client credentials');
  if (grant.simulatedError === 'token_invalid_token') return invalidGrant('the code is unknown or expired');
  return undefined;
}

/** The access token's `iat` and `exp`: for `request_expired_token`, a lifetime that ended a second ago (RFC 6750 §3.1). */
export function accessTokenTimes(grant: Grant, now: number, lifetime: number): { iat: number; exp: number } {
  if (grant.simulatedError === 'request_expired_token') return { iat: now - lifetime - 1, exp: now - 1 };
  return { iat: now, exp: now + lifetime };
}

/** When a new refresh token expires: for `token_expired_refresh_token`, already (its refresh gets invalid_grant). */
export function refreshTokenExpiry(grant: Grant, now: number, lifetime: number): number {
  return grant.simulatedError === 'token_expired_refresh_token' ? now - 1 : now + lifetime;
}

/** Whether the grant is revoked as its tokens are issued (`request_invalid_token`): the FHIR API refuses them. */
export function revokedAtIssue(grant: Grant): boolean {
  return grant.simulatedError === 'request_invalid_token';
}
