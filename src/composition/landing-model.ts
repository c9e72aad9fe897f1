import type { Config } from '../config.ts';
import { DEFAULT_TENANT, ENDPOINTS, tenantIssuer } from '../endpoints.ts';
import type { LandingModel } from '../ui/landing-page.ts';
import type { SandboxWing } from './sandbox-wing.ts';

/**
 * What the landing page of an issuer (the root's, or a tenant's at `/t/{tenant}/`) says: its URLs, and in sandbox
 * mode with demo data, the sign-ins that work there and the demo clients.
 */
export function landingModel(config: Config, tenant: { id: string; name: string } | undefined, sandbox: SandboxWing | undefined): LandingModel {
  const tenantId = tenant?.id ?? DEFAULT_TENANT;
  const issuer = tenantIssuer(config.baseUrl, tenantId);
  const fhirBaseUrl = `${issuer}${ENDPOINTS.fhir.path}`;
  const links = [
    { label: 'Your authorized apps', href: `${issuer}${ENDPOINTS.management.path}`, description: 'sign in, see which apps may read your record, and revoke them' },
    ...(tenant ? [] : [{ label: 'Developer portal', href: `${config.baseUrl}${ENDPOINTS.portal.path}`, description: 'register SMART apps and backend services, and get registration tokens' }]),
    { label: 'CapabilityStatement', href: `${fhirBaseUrl}/metadata`, description: 'what the FHIR API supports' },
    { label: 'SMART configuration', href: `${fhirBaseUrl}${ENDPOINTS.smartConfiguration.path}`, description: "the authorization server's endpoints and capabilities (SMART App Launch 2.2)" },
    { label: 'OpenID configuration', href: `${issuer}${ENDPOINTS.openidConfiguration.path}`, description: 'OpenID Connect discovery' },
    { label: 'JWKS', href: `${issuer}${ENDPOINTS.jwks.path}`, description: "the keys this server's tokens are signed with" },
    ...(tenant ? [] : [{ label: 'API docs', href: `${config.baseUrl}${ENDPOINTS.docs.path}`, description: 'every endpoint with examples for this server, the scopes, and the OpenAPI 3.1 document' }]),
    ...(tenant
      ? []
      : [{ label: 'EHR launcher', href: `${config.baseUrl}${ENDPOINTS.launcher.path}`, description: config.mode === 'sandbox' ? 'open an app as an EHR would, with simulated errors, and inspect its tokens' : 'administrators: open an app as an EHR would, and inspect tokens' }]),
    { label: 'Admin console', href: `${issuer}${ENDPOINTS.console.path}`, description: tenant ? "this tenant's administrators: its apps, users, policies, sessions, exports and audit log" : 'administrators: review apps, manage users and policies, rotate keys, end sessions, read the audit log' },
    ...(tenant ? [] : [{ label: 'Health', href: `${config.baseUrl}${ENDPOINTS.health.path}`, description: 'whether the server is up' }]),
    ...(tenant || config.mode !== 'sandbox'
      ? []
      : [{ label: 'Sample app', href: `${config.baseUrl}${ENDPOINTS.sampleApp.path}/launch.html`, description: 'a SMART app built in: launch it standalone here, or from an EHR launch' }]),
  ];
  const users = (sandbox?.logins ?? [])
    .filter((login) => tenant === undefined || login.tenant === tenant.id)
    .map((login) => ({
      email: login.email,
      password: login.password,
      fhirUser: login.fhirUser,
      signInUrl: `${tenantIssuer(config.baseUrl, login.tenant ?? DEFAULT_TENANT)}${ENDPOINTS.login.path}`,
      ...(login.tenant ? { tenant: login.tenant } : {}),
    }));
  // The sandbox administrator is a global one: they sign in at the root URLs, whose console spans every tenant.
  const admin = !tenant && sandbox?.admin && { email: sandbox.admin.email, password: sandbox.admin.password, consoleUrl: `${issuer}${ENDPOINTS.console.path}` };
  const clients = (sandbox?.demoClients ?? []).map((client) => ({ id: client.id, kind: client.kind, ...(client.secret !== undefined ? { secret: client.secret } : {}) }));
  return {
    product: 'Portico',
    mode: config.mode === 'sandbox' ? 'sandbox' : 'production',
    issuer,
    fhirBaseUrl,
    ...(tenant ? { tenant } : {}),
    links,
    ...(config.mode === 'sandbox' && (users.length > 0 || clients.length > 0) ? { demo: { users, clients, ...(admin ? { admin } : {}) } } : {}),
  };
}
