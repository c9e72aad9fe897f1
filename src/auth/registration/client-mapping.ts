import { JWT_BEARER_ASSERTION } from '../clients/client-kind.ts';
import type { Client, ClientDetails } from '../clients/client-repository.ts';
import { AUTH_METHODS, type AuthMethod, type ClientMetadata, type DcrGrantType } from './client-metadata.ts';

/**
 * A registered client is stored as a Client like any other. RFC 7591 metadata with no Client
 * field of its own (all redirect URIs, response types, contacts, software id…) is kept in the
 * Client's `registration` member, so it is visible in the admin API and survives a round trip.
 */
export interface RegistrationRecord {
  redirect_uris: string[];
  response_types: string[];
  token_endpoint_auth_method: AuthMethod;
  client_id_issued_at: number;
  contacts?: string[];
  client_uri?: string;
  software_id?: string;
  software_version?: string;
  initiate_login_uri?: string;
}

export const usesSecret = (method: AuthMethod) => method === 'client_secret_basic' || method === 'client_secret_post';

/** The Client for validated metadata. `previous` is the Client a RFC 7592 update replaces: admin-only fields survive. */
export function clientFromMetadata(id: string, metadata: ClientMetadata, issuedAt: number, previous?: Client): Client & { id: string } {
  const method = metadata.token_endpoint_auth_method;
  const grants = metadata.grant_types;
  const usesCode = grants.includes('authorization_code');
  const details: ClientDetails = { ...(previous?.details ?? {}) };
  for (const key of ['logo-uri', 'tos-uri', 'policy-uri', 'client-uri'] as const) delete details[key];
  if (metadata.logo_uri) details['logo-uri'] = metadata.logo_uri;
  if (metadata.tos_uri) details['tos-uri'] = metadata.tos_uri;
  if (metadata.policy_uri) details['policy-uri'] = metadata.policy_uri;

  const previousCode = previous?.auth?.authorization_code;
  const previousCredentials = previous?.auth?.client_credentials;
  const auth: NonNullable<Client['auth']> = {};
  if (usesCode) {
    auth.authorization_code = {
      ...pickLifetimes(previousCode),
      // The Client holds one redirect_uri; with none registered the key is left out.
      ...(metadata.redirect_uris[0] !== undefined ? { redirect_uri: metadata.redirect_uris[0] } : {}),
      refresh_token: grants.includes('refresh_token'),
      // A public client (RFC 6749 §2.1) proves itself with PKCE instead of a secret.
      // private_key_jwt leaves secret_required unset: confidential, authenticating with its JWT assertion.
      ...(method === 'none' ? { pkce: true, secret_required: false } : usesSecret(method) ? { secret_required: true } : {}),
    };
  }
  if (grants.includes('client_credentials') || method === 'private_key_jwt') {
    auth.client_credentials = {
      ...pickLifetimes(previousCredentials),
      ...(method === 'private_key_jwt' ? { client_assertion_types: [JWT_BEARER_ASSERTION] } : {}),
    };
  }

  const registration: RegistrationRecord = {
    redirect_uris: metadata.redirect_uris,
    response_types: metadata.response_types,
    token_endpoint_auth_method: method,
    client_id_issued_at: issuedAt,
  };
  for (const key of ['contacts', 'client_uri', 'software_id', 'software_version', 'initiate_login_uri'] as const) {
    if (metadata[key] !== undefined) (registration as unknown as Record<string, unknown>)[key] = metadata[key];
  }

  const client: Client & { id: string } = {
    resourceType: 'Client',
    id,
    ...(previous?.meta?._tenant ? { meta: { _tenant: previous.meta._tenant } } : {}),
    type: !usesCode && grants.includes('client_credentials') ? 'bulk-api-client' : 'smart-app',
    active: previous?.active ?? true,
    name: metadata.client_name ?? id,
    grant_types: grants,
    scope: metadata.scope.split(' ').filter(Boolean),
    registration: registration as unknown as Record<string, unknown>,
  };
  if (Object.keys(auth).length) client.auth = auth;
  if (Object.keys(details).length) client.details = details;
  const launchUri = metadata.launch_uri ?? metadata.initiate_login_uri;
  if (launchUri) client.smart = { launch_uri: launchUri };
  if (metadata.jwks_uri) client.jwks_uri = metadata.jwks_uri;
  if (metadata.jwks) client.jwks = metadata.jwks;
  for (const key of ['description', 'first_party', 'owner'] as const) {
    if (previous?.[key] !== undefined) (client as Record<string, unknown>)[key] = previous[key];
  }
  // The admin's resource-server mark survives too, unless the client turns public (which cannot introspect).
  if (previous?.resource_server !== undefined && method !== 'none') client.resource_server = previous.resource_server;
  return client;
}

function pickLifetimes<T extends { access_token_expiration?: number; refresh_token_expiration?: number; token_format?: 'jwt' | 'opaque' }>(
  settings: T | undefined,
): Partial<T> {
  if (!settings) return {};
  const out: Partial<T> = {};
  for (const key of ['access_token_expiration', 'refresh_token_expiration', 'token_format'] as const) {
    if (settings[key] !== undefined) (out as Record<string, unknown>)[key] = settings[key];
  }
  return out;
}

/** The registration record of a Client; undefined for a Client that was not registered dynamically. */
export function registrationOf(client: Client): RegistrationRecord | undefined {
  const r = client.registration as Partial<RegistrationRecord> | undefined;
  if (!r || typeof r !== 'object' || !Array.isArray(r.redirect_uris)) return undefined;
  return r as RegistrationRecord;
}

/**
 * The client's current metadata (RFC 7592 §3), read from the Client so admin edits show through.
 * Never its secret: the registration service adds `client_secret` to the one response that issues it.
 */
export function metadataOfClient(client: Client & { id: string }): Record<string, unknown> {
  const record = registrationOf(client);
  const method: AuthMethod =
    record && (AUTH_METHODS as readonly string[]).includes(record.token_endpoint_auth_method) ? record.token_endpoint_auth_method : 'client_secret_basic';
  const redirectUri = client.auth?.authorization_code?.redirect_uri;
  let redirectUris = record?.redirect_uris ?? [];
  // The admin may have changed the Client's one redirect_uri; the Client wins.
  if (redirectUri && !redirectUris.includes(redirectUri)) redirectUris = [redirectUri];
  const grants = (client.grant_types ?? []) as DcrGrantType[];
  const out: Record<string, unknown> = {
    client_id: client.id,
    client_name: client.name ?? client.id,
    redirect_uris: redirectUris,
    grant_types: grants,
    response_types: record?.response_types ?? (grants.includes('authorization_code') ? ['code'] : []),
    token_endpoint_auth_method: method,
    scope: (client.scope ?? []).join(' '),
  };
  if (record) out.client_id_issued_at = record.client_id_issued_at;
  const details = client.details ?? {};
  if (details['logo-uri']) out.logo_uri = details['logo-uri'];
  if (details['tos-uri']) out.tos_uri = details['tos-uri'];
  if (details['policy-uri']) out.policy_uri = details['policy-uri'];
  if (client.smart?.launch_uri) out.launch_uri = client.smart.launch_uri;
  for (const key of ['contacts', 'client_uri', 'software_id', 'software_version', 'initiate_login_uri'] as const) {
    if (record?.[key] !== undefined) out[key] = record[key];
  }
  if (client.jwks_uri) out.jwks_uri = client.jwks_uri;
  if (client.jwks) out.jwks = client.jwks;
  // RFC 7591 §3.2.1: 0 means the secret that was issued does not expire.
  if (usesSecret(method) && client.secret) out.client_secret_expires_at = 0;
  return out;
}
