import { discoveryPaths } from '../../endpoints.ts';

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

/** The endpoint URLs for a server whose public URL (BASE_URL, no trailing slash) is `baseUrl`, from the table of endpoints. */
export function authEndpoints(baseUrl: string): AuthEndpoints {
  const paths = discoveryPaths();
  return {
    issuer: baseUrl,
    authorization: `${baseUrl}${paths.authorization}`,
    token: `${baseUrl}${paths.token}`,
    introspection: `${baseUrl}${paths.introspection}`,
    revocation: `${baseUrl}${paths.revocation}`,
    registration: `${baseUrl}${paths.registration}`,
    management: `${baseUrl}${paths.management}`,
    userinfo: `${baseUrl}${paths.userinfo}`,
    jwks: `${baseUrl}${paths.jwks}`,
  };
}
