import type { AuthEndpoints } from './auth-endpoints.ts';
import {
  CODE_CHALLENGE_METHODS_SUPPORTED,
  GRANT_TYPES_SUPPORTED,
  NON_RESOURCE_SCOPES,
  RESOURCE_SCOPES,
  RESPONSE_TYPES_SUPPORTED,
  SMART_CAPABILITIES,
  TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED,
  TOKEN_ENDPOINT_AUTH_SIGNING_ALGS,
} from './supported-features.ts';

/**
 * The SMART configuration document (SMART App Launch 2.2.0 §"Conformance", /.well-known/smart-configuration).
 * `issuer` and `jwks_uri` are present because `sso-openid-connect` is advertised. `associated_endpoints` is
 * omitted: this server has none.
 */
export function buildSmartConfiguration(endpoints: AuthEndpoints): Record<string, unknown> {
  return {
    issuer: endpoints.issuer,
    jwks_uri: endpoints.jwks,
    authorization_endpoint: endpoints.authorization,
    token_endpoint: endpoints.token,
    introspection_endpoint: endpoints.introspection,
    revocation_endpoint: endpoints.revocation,
    registration_endpoint: endpoints.registration,
    management_endpoint: endpoints.management,
    grant_types_supported: [...GRANT_TYPES_SUPPORTED],
    response_types_supported: [...RESPONSE_TYPES_SUPPORTED],
    // RFC 9207 §3: every authorization response carries `iss`.
    authorization_response_iss_parameter_supported: true,
    code_challenge_methods_supported: [...CODE_CHALLENGE_METHODS_SUPPORTED],
    token_endpoint_auth_methods_supported: [...TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED],
    token_endpoint_auth_signing_alg_values_supported: [...TOKEN_ENDPOINT_AUTH_SIGNING_ALGS],
    scopes_supported: [...NON_RESOURCE_SCOPES, ...RESOURCE_SCOPES],
    capabilities: [...SMART_CAPABILITIES],
  };
}
