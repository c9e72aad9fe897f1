import { ASSERTION_ALGS } from '../client-auth/assertion-key.ts';
import { CLIENT_AUTH_METHOD_NAMES } from '../client-auth/client-auth-method.ts';
import { NON_RESOURCE_SCOPES } from '../scopes/index.ts';

/**
 * What the authorization server supports, as both discovery documents advertise it. Lists that the
 * code defines elsewhere are taken from there, so what is advertised is what is accepted.
 */

export const GRANT_TYPES_SUPPORTED = ['authorization_code', 'client_credentials', 'refresh_token'] as const;

/** RFC 7636: S256 only; `plain` is never offered (SMART App Launch 2.x §"PKCE"). */
export const CODE_CHALLENGE_METHODS_SUPPORTED = ['S256'] as const;

export const RESPONSE_TYPES_SUPPORTED = ['code'] as const;

/** RFC 8414 §2 names; `none` is a public client sending only `client_id`. */
export const TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED = CLIENT_AUTH_METHOD_NAMES;

/** Client assertion algorithms (SMART Backend Services requires RS384 and ES384). */
export const TOKEN_ENDPOINT_AUTH_SIGNING_ALGS = ASSERTION_ALGS;

/** id_tokens are signed with RS256 only (OIDC Core §3.1.3.7 default; Inferno requires it). */
export const ID_TOKEN_SIGNING_ALGS = ['RS256'] as const;

/** SMART App Launch 2.2.0 §"Capabilities": every one this server implements. */
export const SMART_CAPABILITIES = [
  'launch-ehr',
  'launch-standalone',
  'authorize-post',
  'client-public',
  'client-confidential-symmetric',
  'client-confidential-asymmetric',
  'sso-openid-connect',
  'context-banner',
  'context-style',
  'context-ehr-patient',
  'context-ehr-encounter',
  'context-standalone-patient',
  'context-standalone-encounter',
  'permission-offline',
  'permission-online',
  'permission-patient',
  'permission-user',
  'permission-v1',
  'permission-v2',
] as const;

/** Scopes that name no resource: OpenID Connect, launch context and refresh-token lifetime. */
export { NON_RESOURCE_SCOPES };

/**
 * Resource scopes, wildcard type: v2 (`.cruds` letters, SMART 2.x §"Scopes for requesting FHIR
 * resources") and v1 (`.read`/`.write`/`.*`) for every context. Per-type and granular scopes are
 * accepted too; listing every type would only bloat the document.
 */
export const RESOURCE_SCOPES = ['patient', 'user', 'system'].flatMap((context) =>
  ['rs', 'cruds', 'read', 'write', '*'].map((permission) => `${context}/*.${permission}`),
);

/** The OIDC scopes an OpenID Provider advertises (OIDC Discovery 1.0 §3 `scopes_supported` must contain `openid`). */
export const OPENID_SCOPES = ['openid', 'fhirUser', 'profile', 'offline_access', 'online_access'] as const;

/** Claims of id_tokens and userinfo: the JWT registered claims, SMART `fhirUser`, and name parts. */
export const CLAIMS_SUPPORTED = [
  'sub',
  'iss',
  'aud',
  'exp',
  'iat',
  'auth_time',
  'nonce',
  'fhirUser',
  'profile',
  'name',
  'given_name',
  'family_name',
  'email',
] as const;
