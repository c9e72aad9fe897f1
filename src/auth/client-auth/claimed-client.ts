import { decodeJwt } from 'jose';
import { parseBasicAuthorization } from '../basic-credentials.ts';
import type { ClientAuthRequest } from './client-auth-method.ts';

/** Longer than any client_id worth naming in an event. */
const MAX_CLAIMED_ID = 256;

/**
 * The client_id a request says it comes from, unverified (the HTTP Basic username, the form's `client_id`, a client
 * assertion's `iss`): what a failed authentication's audit event names as claimed. Read from the request alone,
 * with no lookup; nothing else of the credentials is kept.
 */
export function claimedClientId(request: ClientAuthRequest): string | undefined {
  const claimed = basicUsername(request.authorization) ?? request.form.client_id ?? assertionIssuer(request.form.client_assertion);
  return claimed !== undefined && claimed !== '' && claimed.length <= MAX_CLAIMED_ID ? claimed : undefined;
}

function basicUsername(authorization: string | undefined): string | undefined {
  const username = parseBasicAuthorization(authorization?.trim())?.username;
  if (username === undefined) return undefined;
  try {
    // RFC 6749 §2.3.1: form-encoded.
    return decodeURIComponent(username.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function assertionIssuer(assertion: string | undefined): string | undefined {
  if (assertion === undefined) return undefined;
  try {
    const iss = decodeJwt(assertion).iss;
    return typeof iss === 'string' ? iss : undefined;
  } catch {
    return undefined;
  }
}
