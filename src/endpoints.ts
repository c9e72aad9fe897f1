/**
 * Every path Portico serves, by name, below BASE_URL, with what follows from it. The routes take their paths from
 * here, and so do the CORS allowlist (`corsPaths`), the URLs discovery publishes (`discoveryPaths`) and the
 * audiences a client assertion may name (`assertionAudiences`). Data only: any layer may read it.
 */
export interface Endpoint {
  /** Below BASE_URL. An endpoint covers the paths under it too (`/fhir` is `/fhir/Patient/1`). */
  readonly path: string;
  /** Browser apps call it cross-origin, so it answers with CORS headers (SMART App Launch 2.2.0 §"CORS"). */
  readonly cors?: true;
  /** A client assertion may name its URL as its `aud` (RFC 7523 §3, SMART Backend Services §"Authenticating"). */
  readonly assertionAudience?: true;
  /** The name its absolute URL is published under by discovery (SMART configuration, OpenID configuration, CapabilityStatement). */
  readonly discovery?: DiscoveryName;
  /** Served in sandbox mode only; elsewhere the path answers 404. */
  readonly sandboxOnly?: true;
}

/** The tenant every URL without `/t/{tenant}` means. */
export const DEFAULT_TENANT = 'default';

/** The path every URL of a tenant starts with: `/t/{tenant}`; '' for the default tenant. */
export function tenantPathPrefix(tenantId: string): string {
  return tenantId === DEFAULT_TENANT ? '' : `/t/${tenantId}`;
}

/** A tenant's issuer, under which all its endpoints are: `$BASE_URL/t/{tenant}`; the default tenant's is BASE_URL. */
export function tenantIssuer(baseUrl: string, tenantId: string): string {
  return `${baseUrl}${tenantPathPrefix(tenantId)}`;
}

/**
 * The one redirect URI of an identity provider (what its upstream registers): the same on every sign-in, below the
 * issuer of the tenant it belongs to.
 */
export function federationCallbackUrl(baseUrl: string, tenantId: string, providerId: string): string {
  return `${tenantIssuer(baseUrl, tenantId)}/auth/federation/${encodeURIComponent(providerId)}/callback`;
}

/** The endpoints discovery names; the issuer, BASE_URL itself, is not a path. */
export type DiscoveryName = 'authorization' | 'token' | 'introspection' | 'revocation' | 'registration' | 'management' | 'userinfo' | 'jwks';

export const ENDPOINTS = {
  health: { path: '/health' },
  ready: { path: '/ready' },

  // The FHIR API, and its open twin in the sandbox (the S4S path).
  fhir: { path: '/fhir', cors: true },
  openFhir: { path: '/api/open-fhir', cors: true, sandboxOnly: true },

  // Discovery: every document under /.well-known is open to browsers, whether it exists or not.
  wellKnown: { path: '/.well-known', cors: true },
  // SMART App Launch 2.2.0 §"Conformance": at {fhir base}/.well-known; the root copy serves clients given BASE_URL.
  fhirSmartConfiguration: { path: '/fhir/.well-known/smart-configuration' },
  smartConfiguration: { path: '/.well-known/smart-configuration' },
  // OIDC Discovery 1.0 §4: {issuer}/.well-known/openid-configuration; the issuer is BASE_URL.
  openidConfiguration: { path: '/.well-known/openid-configuration' },
  jwks: { path: '/.well-known/jwks.json', discovery: 'jwks' },

  // The token side: called by apps, browser apps included.
  token: { path: '/auth/token', cors: true, assertionAudience: true, discovery: 'token' },
  introspection: { path: '/auth/introspect', cors: true, discovery: 'introspection' },
  revocation: { path: '/auth/revoke', cors: true, discovery: 'revocation' },
  userinfo: { path: '/auth/userinfo', cors: true, discovery: 'userinfo' },
  smartStyle: { path: '/auth/smart-style.json', cors: true },

  // Dynamic client registration (RFC 7591, RFC 7592 under it), also at the S4S path; initial access tokens for it.
  registration: { path: '/auth/register', cors: true, discovery: 'registration' },
  s4sRegistration: { path: '/oauth/register', cors: true },
  initialAccessToken: { path: '/auth/initial-access-token' },

  // The pages: same-origin only.
  authorization: { path: '/auth/authorize', discovery: 'authorization' },
  authorizationDecision: { path: '/auth/authorize/decision' },
  login: { path: '/auth/login' },
  logout: { path: '/auth/logout' },
  management: { path: '/auth/apps', discovery: 'management' },
  managementRevoke: { path: '/auth/apps/revoke' },
  assets: { path: '/auth/assets' },
  stylesheet: { path: '/auth/assets/portico.css' },
  // The pages' one script: copy buttons (script-src 'self'; no inline script).
  copyButtonScript: { path: '/auth/assets/copy-button.js' },
  // The developer portal: sign-up, a developer's apps, registration tokens.
  portal: { path: '/portal' },
  // The admin console: signed-in Users with the role admin (and their second factor) run the deployment, or their tenant.
  console: { path: '/admin' },
  // One-time set-password links an administrator hands out (an invitation, a reset): a page outside the console.
  invitation: { path: '/auth/invitation' },
  // Sign-in through a tenant's identity providers: `/{id}/start` sends the browser upstream, `/{id}/callback` takes it back.
  federation: { path: '/auth/federation' },

  rpc: { path: '/rpc' },

  // The API documentation: a page, and the OpenAPI 3.1 document any origin may read (it holds nothing private).
  docs: { path: '/docs' },
  openApi: { path: '/docs/openapi.json', cors: true },
  // The EHR launcher: open in the sandbox, an administrator's in production (pages, same-origin only).
  launcher: { path: '/launcher' },
  launcherLaunch: { path: '/launcher/launch' },
  launcherInspect: { path: '/launcher/inspect' },

  // The S4S debug endpoints: they mint real tokens.
  debugToken: { path: '/oauth/debug/token', sandboxOnly: true },
  debugIntrospect: { path: '/oauth/debug/introspect', sandboxOnly: true },

  // The built-in SMART app (static pages and the fhirclient browser build): the demo clients launch it.
  sampleApp: { path: '/sample-app', sandboxOnly: true },
} as const satisfies Record<string, Endpoint>;

const ALL: readonly Endpoint[] = Object.values(ENDPOINTS);

/** Every discovery name is published: this fails to compile while one has no endpoint. */
type Published = Extract<(typeof ENDPOINTS)[keyof typeof ENDPOINTS], { discovery: DiscoveryName }>['discovery'];
const everyNamePublished: [Exclude<DiscoveryName, Published>] extends [never] ? true : Exclude<DiscoveryName, Published> = true;
void everyNamePublished;

/** The paths (each with everything under it) that answer cross-origin requests. */
export function corsPaths(): string[] {
  return ALL.filter((endpoint) => endpoint.cors).map((endpoint) => endpoint.path);
}

/** The absolute URLs a client assertion's `aud` may name, for a server at `baseUrl`. */
export function assertionAudiences(baseUrl: string): string[] {
  return ALL.filter((endpoint) => endpoint.assertionAudience).map((endpoint) => `${baseUrl}${endpoint.path}`);
}

/** Each discovery name's path. */
export function discoveryPaths(): Record<DiscoveryName, string> {
  const paths: Partial<Record<DiscoveryName, string>> = {};
  for (const endpoint of ALL) if (endpoint.discovery) paths[endpoint.discovery] = endpoint.path;
  return paths as Record<DiscoveryName, string>;
}
