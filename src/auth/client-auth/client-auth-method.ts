import type { ImportedKeys } from './imported-keys.ts';
import type { ClientRepository, StoredClient } from '../clients/client-repository.ts';
import type { ClientAuthThrottle } from './client-auth-throttle.ts';
import type { ClientSecrets } from '../clients/client-secret.ts';
import type { JtiStore } from './jti-store.ts';
import type { JwksSource } from './jwks/jwks-source.ts';

/** The token endpoint authentication methods we support (RFC 7591 §2 `token_endpoint_auth_method` names). */
export const CLIENT_AUTH_METHOD_NAMES = ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
export type ClientAuthMethodName = (typeof CLIENT_AUTH_METHOD_NAMES)[number];

/** What client authentication reads from a token (or introspection/revocation) request. */
export interface ClientAuthRequest {
  /** The raw `Authorization` header value, if any. */
  authorization?: string;
  /** The request's form fields (already decoded once by the body parser). */
  form: Readonly<Record<string, string>>;
}

export interface AuthenticatedClient {
  client: StoredClient;
  method: ClientAuthMethodName;
  /** With `deferJti`: the client assertion's jti, checked but not recorded yet (see PendingJti). */
  pendingJti?: PendingJti;
}

/**
 * A client assertion's jti (RFC 7523 §3 item 7) whose recording the caller took over, to make it in its own
 * write (one durable commit for the jti and what the request stores). Whoever records it sets `recorded`;
 * a request that ends without recording it must record it alone (recordPendingJti), so that a refused
 * request spends its assertion as an accepted one does.
 */
export interface PendingJti {
  clientId: string;
  jti: string;
  /** How long the ledger remembers it: the assertion's exp plus the clock skew. */
  rememberUntil: Date;
  recorded: boolean;
}

export interface AuthenticateOptions {
  /** Leave a private_key_jwt assertion's jti unrecorded, returned as `pendingJti` for the caller to record. */
  deferJti?: boolean;
}

export interface ClientAuthDeps {
  clients: ClientRepository;
  /** client_secret_basic / client_secret_post: the stored secret is decrypted to compare. */
  secrets: ClientSecrets;
  /** Single-use `jti` ledger for client assertions (durable, shared by every process). */
  jtis: JtiStore;
  /** Keys behind a client's `jwks_uri` (a per-process cache over an outbound fetch). */
  jwks: JwksSource;
  /** Wrong client secrets per client_id (shared by every surface and process): past the limit, every attempt is refused. */
  throttle: ClientAuthThrottle;
  now: () => Date;
  /** Accepted `aud` values of a client assertion: the token endpoint URL (RFC 7523 §3 item 3). */
  audiences: readonly string[];
  /** Registered keys imported once (the authenticator makes one when not given). */
  keys?: ImportedKeys;
}

/** One authentication method: whether a request presents it, and the check itself (throws OAuthError). */
export interface ClientAuthMethod {
  method: ClientAuthMethodName;
  /** True when the request carries this method's credentials (used to refuse two methods at once). */
  presentedIn(request: ClientAuthRequest): boolean;
  authenticate(request: ClientAuthRequest, deps: ClientAuthDeps, options?: AuthenticateOptions): Promise<AuthenticatedClient>;
}
