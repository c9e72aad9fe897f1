import { authEndpoints, type AuthEndpoints } from './auth-endpoints.ts';
import { buildCapabilitySecurity } from './capability-security.ts';
import { buildOpenIdConfiguration } from './openid-configuration.ts';
import { buildSmartConfiguration } from './smart-configuration.ts';

/** Everything discovery publishes, built once at start from the server's public URLs. */
export interface DiscoveryDocuments {
  endpoints: AuthEndpoints;
  smartConfiguration: Record<string, unknown>;
  openidConfiguration: Record<string, unknown>;
  /** For the CapabilityStatement's rest[0].security. */
  capabilitySecurity: Record<string, unknown>;
}

export function buildDiscoveryDocuments(baseUrl: string): DiscoveryDocuments {
  const endpoints = authEndpoints(baseUrl);
  return {
    endpoints,
    smartConfiguration: buildSmartConfiguration(endpoints),
    openidConfiguration: buildOpenIdConfiguration(endpoints),
    capabilitySecurity: buildCapabilitySecurity(endpoints),
  };
}
