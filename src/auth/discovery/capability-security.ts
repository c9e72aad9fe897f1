import type { AuthEndpoints } from './auth-endpoints.ts';

export const OAUTH_URIS_EXTENSION = 'http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris';
export const RESTFUL_SECURITY_SERVICE = 'http://terminology.hl7.org/CodeSystem/restful-security-service';

/**
 * CapabilityStatement.rest.security for SMART on FHIR (SMART App Launch 2.x §"Conformance": the
 * `oauth-uris` extension, same URLs as the well-known document; checked by Inferno's STU1 discovery).
 */
export function buildCapabilitySecurity(endpoints: AuthEndpoints): Record<string, unknown> {
  const uris: [string, string][] = [
    ['authorize', endpoints.authorization],
    ['token', endpoints.token],
    ['introspect', endpoints.introspection],
    ['revoke', endpoints.revocation],
    ['register', endpoints.registration],
    ['manage', endpoints.management],
  ];
  return {
    extension: [{ url: OAUTH_URIS_EXTENSION, extension: uris.map(([url, valueUri]) => ({ url, valueUri })) }],
    cors: true,
    service: [
      {
        coding: [{ system: RESTFUL_SECURITY_SERVICE, code: 'SMART-on-FHIR', display: 'SMART-on-FHIR' }],
        text: 'OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)',
      },
    ],
  };
}
