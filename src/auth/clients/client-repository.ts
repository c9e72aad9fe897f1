import type { RegistryRepository, RegistryResource, Stored } from '../registry/registry-repository.ts';

/**
 * The Client resource as the seeds use it (Aidbox's Client shape). Validation and defaults
 * live in validate-client.ts; this file is only the shape and the storage port.
 */
export const CLIENT_TYPES = [
  'smart-app',
  'patient-facing-smart-app',
  'provider-facing-smart-app',
  'bulk-api-client',
  'client',
] as const;
export type ClientType = (typeof CLIENT_TYPES)[number];

/** `code` is accepted on input as an alias and stored as `authorization_code`. */
export const GRANT_TYPES = ['authorization_code', 'client_credentials', 'refresh_token'] as const;
export type GrantType = (typeof GRANT_TYPES)[number];

export type TokenFormat = 'jwt' | 'opaque';

/**
 * Where a developer's app is in review: `draft` → `submitted` → `approved` | `rejected`. Only `approved` (or no
 * status: Clients made by the operator, the demo or dynamic registration) may be authorized by anyone; until then
 * only its owner may try it, and it gets no client_credentials token.
 */
export const CLIENT_STATUSES = ['draft', 'submitted', 'approved', 'rejected'] as const;
export type ClientStatus = (typeof CLIENT_STATUSES)[number];

/** Whether anyone may be authorized for this Client (not only its owner). */
export function isApproved(client: Pick<Client, 'status'>): boolean {
  return client.status === undefined || client.status === 'approved';
}

export interface AuthorizationCodeSettings {
  redirect_uri?: string;
  /** Further redirect URIs it may use besides `redirect_uri` (a developer portal app lists several). */
  redirect_uris?: string[];
  /** Public client: PKCE required, no secret. */
  pkce?: boolean;
  /** Issue refresh tokens. */
  refresh_token?: boolean;
  /** Confidential client: the token endpoint requires the secret. */
  secret_required?: boolean;
  /** Seconds. */
  access_token_expiration?: number;
  /** Seconds. */
  refresh_token_expiration?: number;
  token_format?: TokenFormat;
}

export interface ClientCredentialsSettings {
  /** e.g. urn:ietf:params:oauth:client-assertion-type:jwt-bearer */
  client_assertion_types?: string[];
  /** Seconds. */
  access_token_expiration?: number;
  token_format?: TokenFormat;
}

export interface ClientDetails {
  'logo-uri'?: string;
  'org-name'?: string;
  'org-uri'?: string;
  'policy-uri'?: string;
  'tos-uri'?: string;
  [key: string]: unknown;
}

export interface Client extends RegistryResource {
  resourceType: 'Client';
  type?: ClientType;
  active?: boolean;
  /**
   * The client secret as stored: always encrypted and bound to this Client's id (client-secret.ts),
   * never the clear secret, which only the admin API's input and a few responses carry.
   */
  secret?: string;
  grant_types?: GrantType[];
  auth?: {
    authorization_code?: AuthorizationCodeSettings;
    client_credentials?: ClientCredentialsSettings;
  };
  smart?: { launch_uri?: string };
  /** The scopes the client may be granted; stored as an array. */
  scope?: string[];
  jwks_uri?: string;
  jwks?: { keys: Record<string, unknown>[] };
  name?: string;
  description?: string;
  details?: ClientDetails;
  /** Skips the consent page. */
  first_party?: boolean;
  /**
   * A resource server (RFC 7662 §2.1): it may introspect every token, not only its own. Set by the
   * admin API only (never by dynamic registration or the developer RPC); a confidential client only.
   */
  resource_server?: boolean;
  /** Who registered it: `User/<id>` for a signed-in developer; absent for the root client. */
  owner?: string;
  /** Review status of a developer's app; absent: approved (see isApproved). */
  status?: ClientStatus;
  /** The administrator's last review decision: a note the developer reads in the portal, and when it was made. */
  review?: ClientReview;
}

export interface ClientReview {
  /** Why it was approved or rejected, for the developer (plain text). */
  note?: string;
  /** ISO 8601. */
  at?: string;
}

export type StoredClient = Stored<Client>;

/** Storage port for Clients: get, put (create or update), create (UUID id), delete, list. */
export type ClientRepository = RegistryRepository<Client>;
