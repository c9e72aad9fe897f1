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
  authenticate(request: ClientAuthRequest, deps: ClientAuthDeps): Promise<AuthenticatedClient>;
}
