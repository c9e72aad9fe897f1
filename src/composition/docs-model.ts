import type { Config } from '../config.ts';
import { ENDPOINTS } from '../endpoints.ts';
import { docsSections } from '../ui/docs-examples.ts';
import type { DocsModel } from '../ui/docs-page.ts';
import type { SandboxWing } from './sandbox-wing.ts';

/** The sandbox's root credentials when the operator kept them (README's `root:secret`); never anything else. */
const SANDBOX_DEFAULT_ROOT = { clientId: 'root', clientSecret: 'secret' };

/**
 * What `/docs` says: this server's URLs, the scopes discovery publishes, and examples that run as they are in the
 * sandbox with demo data (its published demo clients and users), or with `$…` placeholders otherwise.
 */
export function docsModel(config: Config, scopes: readonly string[], sandbox: SandboxWing | undefined): DocsModel {
  const base = config.baseUrl;
  const fhirBaseUrl = `${base}${ENDPOINTS.fhir.path}`;
  const url = (endpoint: { path: string }) => `${base}${endpoint.path}`;
  const demo = config.mode === 'sandbox' ? sandbox : undefined;
  const confidential = demo?.demoClients?.find((client) => client.secret !== undefined);
  const publicApp = demo?.demoClients?.find((client) => client.secret === undefined && client.privateKeyFile === undefined && !/backend/.test(client.kind));
  const backend = demo?.demoClients?.find((client) => /backend/.test(client.kind));
  const practitioner = demo?.logins?.find((login) => login.tenant === undefined && login.fhirUser.startsWith('Practitioner/'));
  const patient = demo?.logins?.find((login) => login.tenant === undefined && login.fhirUser.startsWith('Patient/'));
  const keepsDefaultRoot = config.mode === 'sandbox' && config.admin.clientId === SANDBOX_DEFAULT_ROOT.clientId && config.admin.clientSecret === SANDBOX_DEFAULT_ROOT.clientSecret;
  const openApiUrl = url(ENDPOINTS.openApi);
  return {
    mode: config.mode === 'sandbox' ? 'sandbox' : 'production',
    openApiUrl,
    scopes,
    gettingStarted: [
      { label: 'SMART configuration', href: `${fhirBaseUrl}${ENDPOINTS.smartConfiguration.path}`, description: 'every OAuth endpoint and capability (SMART App Launch 2.2)' },
      { label: 'OpenID configuration', href: url(ENDPOINTS.openidConfiguration), description: 'OpenID Connect discovery' },
      { label: 'CapabilityStatement', href: `${fhirBaseUrl}/metadata`, description: `what the FHIR API at ${fhirBaseUrl} supports` },
      { label: 'JWKS', href: url(ENDPOINTS.jwks), description: "the keys this server's tokens are signed with" },
      { label: 'OpenAPI 3.1', href: openApiUrl, description: 'the OAuth endpoints, registration, the admin API and the RPC, with their request and response schemas' },
    ],
    sections: docsSections({
      baseUrl: base,
      fhirBaseUrl,
      urls: {
        token: url(ENDPOINTS.token),
        authorization: url(ENDPOINTS.authorization),
        introspection: url(ENDPOINTS.introspection),
        revocation: url(ENDPOINTS.revocation),
        userinfo: url(ENDPOINTS.userinfo),
        registration: url(ENDPOINTS.registration),
        s4sRegistration: url(ENDPOINTS.s4sRegistration),
        initialAccessToken: url(ENDPOINTS.initialAccessToken),
        rpc: url(ENDPOINTS.rpc),
        ...(config.mode === 'sandbox' ? { debugToken: url(ENDPOINTS.debugToken), debugIntrospect: url(ENDPOINTS.debugIntrospect) } : {}),
      },
      root: keepsDefaultRoot ? `${SANDBOX_DEFAULT_ROOT.clientId}:${SANDBOX_DEFAULT_ROOT.clientSecret}` : '$ADMIN_CLIENT_ID:$ADMIN_CLIENT_SECRET',
      app: confidential?.secret !== undefined && confidential.redirectUri !== undefined ? { id: confidential.id, secret: confidential.secret, redirectUri: confidential.redirectUri } : { id: '$CLIENT_ID', secret: '$CLIENT_SECRET', redirectUri: 'https://app.example.org/redirect' },
      publicApp: publicApp?.id ?? '$CLIENT_ID',
      backend: { id: backend?.id ?? '$BACKEND_CLIENT_ID', keyFile: backend?.privateKeyFile ?? 'private-key.jwk.json' },
      user: practitioner?.id ?? '$USER_ID',
      patient: patient?.fhirUser.slice('Patient/'.length) ?? '$PATIENT_ID',
      registration: config.registration.mode,
    }),
  };
}
