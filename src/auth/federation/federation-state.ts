/**
 * A sign-in at an upstream in progress, kept between the start and the callback (the storage port; src/storage/auth
 * implements it). The `state` and the browser cookie are kept only as SHA-256 hashes.
 */
export interface PendingFederatedSignIn {
  stateHash: string;
  /** The SHA-256 of the cookie given to the browser that started it: the callback must come from that browser. */
  browserHash: string;
  tenant: string;
  providerId: string;
  nonce: string;
  codeVerifier: string;
  /** The local path to return to once signed in (an authorization request, say). */
  returnTo: string;
  expiresAt: Date;
}

export interface FederationStateStore {
  insert(pending: PendingFederatedSignIn, now: Date): Promise<void>;
  /** Removes and returns the pending sign-in of this state, unless expired at `now`: each state is good once. */
  take(stateHash: string, now: Date): Promise<PendingFederatedSignIn | undefined>;
}
