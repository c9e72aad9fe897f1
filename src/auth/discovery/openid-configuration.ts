import type { AuthEndpoints } from './auth-endpoints.ts';
import {
  CLAIMS_SUPPORTED,
  CODE_CHALLENGE_METHODS_SUPPORTED,
  GRANT_TYPES_SUPPORTED,
  ID_TOKEN_SIGNING_ALGS,
  OPENID_SCOPES,
  RESPONSE_TYPES_SUPPORTED,
  TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED,
  TOKEN_ENDPOINT_AUTH_SIGNING_ALGS,
} from './supported-features.ts';

/** OpenID Provider metadata (OpenID Connect Discovery 1.0 §3), served at {issuer}/.well-known/openid-configuration. */
export function buildOpenIdConfiguration(endpoints: AuthEndpoints): Record<string, unknown> {
  return {
    issuer: endpoints.issuer,
    authorization_endpoint: endpoints.authorization,
    token_endpoint: endpoints.token,
    userinfo_endpoint: endpoints.userinfo,
    jwks_uri: endpoints.jwks,
    registration_endpoint: endpoints.registration,
    introspection_endpoint: endpoints.introspection,
    revocation_endpoint: endpoints.revocation,
    scopes_supported: [...OPENID_SCOPES],
    response_types_supported: [...RESPONSE_TYPES_SUPPORTED],
    response_modes_supported: ['query'],
    // RFC 9207 §3: every authorization response carries `iss`.
    authorization_response_iss_parameter_supported: true,
    grant_types_supported: [...GRANT_TYPES_SUPPORTED],
    subject_types_supported: ['public'],
    id_token_signing_alg_values_supported: [...ID_TOKEN_SIGNING_ALGS],
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED],
    token_endpoint_auth_signing_alg_values_supported: [...TOKEN_ENDPOINT_AUTH_SIGNING_ALGS],
    code_challenge_methods_supported: [...CODE_CHALLENGE_METHODS_SUPPORTED],
    claims_supported: [...CLAIMS_SUPPORTED],
    // OIDC Discovery §3 defaults request_uri_parameter_supported to true; neither request object form is supported.
    claims_parameter_supported: false,
    request_parameter_supported: false,
    request_uri_parameter_supported: false,
  };
}
