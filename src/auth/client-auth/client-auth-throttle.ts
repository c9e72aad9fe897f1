import { createHash } from 'node:crypto';
import { createFailureThrottle, type FailureCountStore, type FailureThrottle, type FailureThrottleSettings } from '../sessions/failure-throttle.ts';

/**
 * Slowing client secret guessing (RFC 6749 §10.10: client credentials must not be guessable online) wherever a
 * Client's secret is checked: the token, introspection and revocation endpoints, and HTTP Basic as a Client at
 * the admin API, /rpc and `$rotate-secret`. One count per client_id as sent, shared by every surface and every
 * process; only wrong secrets are counted, after the check (failure-throttle.ts). An unknown client_id is
 * counted like a known one with a wrong secret: the throttle tells neither apart.
 */
export type ClientAuthThrottleSettings = FailureThrottleSettings;

/** The storage port (implemented in src/storage/auth/client-attempt-store.ts). */
export type ClientAttemptStore = FailureCountStore;

/** `settle(clientId, secretMatched)`: refused while the client_id is locked, the right secret included. */
export type ClientAuthThrottle = FailureThrottle;

/** A client_id is whatever the request says: its hash keeps every key short. */
export const clientAttemptKey = (clientId: string) => `client:${createHash('sha256').update(clientId, 'utf8').digest('base64url')}`;

export function createClientAuthThrottle(store: ClientAttemptStore, settings: ClientAuthThrottleSettings, now: () => Date): ClientAuthThrottle {
  return createFailureThrottle(store, settings, now, clientAttemptKey);
}
