/**
 * The authorization server's public URLs, all under BASE_URL. Discovery documents and the
 * CapabilityStatement publish the same absolute URLs (Inferno compares them exactly).
 */
export interface AuthEndpoints {
  /** OpenID Connect issuer: hosts /.well-known/openid-configuration (OIDC Discovery 1.0 §4). */
  issuer: string;
  authorization: string;
  token: string;
  introspection: string;
  revocation: string;
  registration: string;
  /** The patient-facing page listing authorized apps (SMART `management_endpoint`). */
  management: string;
  userinfo: string;
  jwks: string;
}

/** The endpoint URLs for a server whose public URL (BASE_URL, no trailing slash) is `baseUrl`. */
export function authEndpoints(baseUrl: string): AuthEndpoints {
  return {
    issuer: baseUrl,
    authorization: `${baseUrl}/auth/authorize`,
    token: `${baseUrl}/auth/token`,
    introspection: `${baseUrl}/auth/introspect`,
    revocation: `${baseUrl}/auth/revoke`,
    registration: `${baseUrl}/auth/register`,
    management: `${baseUrl}/auth/apps`,
    userinfo: `${baseUrl}/auth/userinfo`,
    jwks: `${baseUrl}/.well-known/jwks.json`,
  };
}
