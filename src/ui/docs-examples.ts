import type { DocsSection } from './docs-page.ts';

/** The URLs and credentials the examples use: this server's, and in the sandbox its published demo clients. */
export interface DocsSettings {
  baseUrl: string;
  fhirBaseUrl: string;
  urls: {
    token: string;
    authorization: string;
    introspection: string;
    revocation: string;
    userinfo: string;
    registration: string;
    s4sRegistration: string;
    initialAccessToken: string;
    rpc: string;
    debugToken?: string;
    debugIntrospect?: string;
  };
  /** `id:secret` for HTTP Basic as the root client: the sandbox default, or shell variables. */
  root: string;
  /** A confidential app's id and secret. */
  app: { id: string; secret: string; redirectUri: string };
  publicApp: string;
  backend: { id: string; keyFile: string };
  /** Ids the launch and debug examples name. */
  user: string;
  patient: string;
  /** Registration needs an initial access token (production), or is open (sandbox). */
  registration: 'open' | 'initial-access-token';
}

/** Shell single quotes around a JSON body (no single quote occurs in these bodies). */
const body = (value: unknown) => `'${JSON.stringify(value, null, 2)}'`;

/** Every flow of the seeds and every token-side endpoint, as curl commands against this server. */
export function docsSections(s: DocsSettings): DocsSection[] {
  const { urls } = s;
  const app = `${s.app.id}:${s.app.secret}`;
  const iat = s.registration === 'initial-access-token';
  const sections: DocsSection[] = [
    {
      id: 'developer-portal',
      title: 'Developer portal: create an app by RPC (seed 000)',
      intro: 'The root client (or a signed-in developer, by HTTP Basic with their email and password) creates a patient-facing SMART app Client; the root client reads its generated secret back from the admin API.',
      examples: [
        {
          id: 'rpc-save-application',
          title: 'Create a confidential app',
          code: `curl -u '${s.root}' -X POST '${urls.rpc}' \\
  -H 'Content-Type: application/json' \\
  -d ${body({ method: 'smartbox.portal.developer.rpc/save-developer-application', params: { confidentiality: { value: 'confidential' }, name: 'some-app-name', description: 'some-app-name', 'redirect-url': 'https://app.example.org/redirect', 'launch-url': 'https://app.example.org/launch' } })}`,
        },
        { id: 'admin-read-client', title: 'Read the Client and its secret', code: `curl -u '${s.root}' '${s.baseUrl}/Client/CLIENT_ID_FROM_THE_RESULT'` },
        {
          id: 'admin-put-client',
          title: 'Or create a Client with a chosen id and secret (admin API, YAML or JSON)',
          code: `curl -u '${s.root}' -X PUT '${s.baseUrl}/Client/inferno-confidential-patient-smart-app' \\
  -H 'Content-Type: text/yaml' --data-binary 'secret: inferno-confidential-patient-smart-app-secret
type: patient-facing-smart-app
active: true
grant_types: [authorization_code]
auth:
  authorization_code:
    redirect_uri: https://inferno.healthit.gov/suites/custom/smart/redirect
    refresh_token: true
    secret_required: true
smart:
  launch_uri: https://inferno.healthit.gov/suites/custom/smart/launch'`,
        },
      ],
    },
    {
      id: 'registration',
      title: 'Dynamic client registration (RFC 7591, seed 001)',
      intro: iat
        ? 'Registration needs an initial access token: the root client or a developer asks for one, then registers with it as a Bearer token. The answer holds client_id, client_secret and the registration access token for RFC 7592 management.'
        : 'Registration is open in this mode (an initial access token is accepted but not needed). The answer holds client_id, client_secret and the registration access token for RFC 7592 management.',
      examples: [
        { id: 'initial-access-token', title: 'Get an initial access token', code: `curl -u '${s.root}' -X POST '${urls.initialAccessToken}'` },
        {
          id: 'register-client',
          title: 'Register a client',
          code: `curl -X POST '${urls.registration}' \\
  -H 'Content-Type: application/json'${iat ? ` \\\n  -H 'Authorization: Bearer $INITIAL_ACCESS_TOKEN'` : ''} \\
  -d ${body({ client_name: 'My Application', redirect_uris: ['https://client.example.org/callback'], token_endpoint_auth_method: 'client_secret_basic', scope: 'launch/patient openid fhirUser offline_access patient/*.rs' })}`,
        },
        {
          id: 'register-s4s',
          title: 'The same at the S4S path',
          code: `curl -X POST '${urls.s4sRegistration}' -H 'Content-Type: application/json'${iat ? ` \\\n  -H 'Authorization: Bearer $INITIAL_ACCESS_TOKEN'` : ''} \\
  -d '{"client_name": "TESTCLIENT", "redirect_uris": ["https://tests.example.org/authorized/"], "scope": "launch/patient patient/*.read offline_access"}'`,
        },
      ],
    },
    {
      id: 'ehr-launch',
      title: 'EHR launch and the authorization code flow (seed 002)',
      intro: `The EHR mints a launch for a Client, a User and a patient; the app opens the returned uri, sends the user to the authorization endpoint with launch and PKCE, and exchanges the code at the token endpoint. Standalone launch is the same without launch (with launch/patient to pick a patient).`,
      examples: [
        {
          id: 'rpc-get-launch-uri',
          title: 'Mint a launch',
          code: `curl -u '${s.root}' -X POST '${urls.rpc}' \\
  -H 'Content-Type: application/json' \\
  -d ${body({ method: 'aidbox.smart/get-launch-uri', params: { user: s.user, iss: s.fhirBaseUrl, client: s.app.id, ctx: { patient: s.patient } } })}`,
        },
        {
          id: 'authorize-url',
          title: 'Open in a browser (code_challenge = BASE64URL(SHA-256(code_verifier)))',
          code: `${urls.authorization}?response_type=code&client_id=${s.app.id}&redirect_uri=${encodeURIComponent(s.app.redirectUri)}&scope=${encodeURIComponent('launch openid fhirUser offline_access patient/*.rs')}&state=RANDOM_STATE&aud=${encodeURIComponent(s.fhirBaseUrl)}&launch=LAUNCH_FROM_THE_URI&code_challenge=CODE_CHALLENGE&code_challenge_method=S256`,
        },
        {
          id: 'token-authorization-code',
          title: 'Exchange the code',
          code: `curl -u '${app}' -X POST '${urls.token}' \\
  -d grant_type=authorization_code \\
  -d code=CODE_FROM_THE_REDIRECT \\
  --data-urlencode redirect_uri=${s.app.redirectUri} \\
  -d code_verifier=CODE_VERIFIER`,
        },
        { id: 'fhir-read', title: 'Call the FHIR API with the access token', code: `curl -H 'Authorization: Bearer $ACCESS_TOKEN' '${s.fhirBaseUrl}/Observation?code=4548-4&_count=2'` },
      ],
    },
    {
      id: 'backend-services',
      title: 'Backend Services: client_credentials with a client assertion',
      intro: `A backend client signs a JWT (RFC 7523) with its private key; portico assertion prints one for a JWK file. The token endpoint answers a system/ access token, no refresh token.`,
      examples: [
        {
          id: 'token-client-credentials',
          title: 'Get a token',
          code: `curl -X POST '${urls.token}' \\
  -d grant_type=client_credentials \\
  -d scope=system/*.rs \\
  -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \\
  -d client_assertion="$(portico assertion --client ${s.backend.id} --key ${s.backend.keyFile} --aud ${urls.token})"`,
        },
      ],
    },
    {
      id: 'bulk-export',
      title: 'Bulk Data export',
      intro: 'Kick-off answers 202 with Content-Location, the job status URL; poll it until 200, whose output lists the NDJSON files to download with the same token.',
      examples: [
        { id: 'bulk-kick-off', title: 'Kick off', code: `curl -i -H 'Authorization: Bearer $ACCESS_TOKEN' -H 'Accept: application/fhir+json' -H 'Prefer: respond-async' \\\n  '${s.fhirBaseUrl}/Patient/$export?_type=Patient,Observation'` },
        { id: 'bulk-status', title: 'Poll the status (the Content-Location)', code: `curl -i -H 'Authorization: Bearer $ACCESS_TOKEN' '$CONTENT_LOCATION'` },
        { id: 'bulk-download', title: 'Download a file (an output url)', code: `curl -H 'Authorization: Bearer $ACCESS_TOKEN' -H 'Accept: application/fhir+ndjson' '$OUTPUT_URL'` },
      ],
    },
    {
      id: 'refresh',
      title: 'Refresh',
      intro: 'A refresh token (offline_access or online_access) gets a new access token and a new refresh token; the old one is spent. A narrower scope may be asked.',
      examples: [{ id: 'token-refresh', title: 'Refresh', code: `curl -u '${app}' -X POST '${urls.token}' \\\n  -d grant_type=refresh_token \\\n  -d refresh_token=$REFRESH_TOKEN` }],
    },
    {
      id: 'introspection',
      title: 'Introspection (RFC 7662)',
      intro: 'The root client and resource-server Clients see any token; other confidential clients their own. Anything not active is exactly {"active": false}.',
      examples: [{ id: 'introspect', title: 'Introspect', code: `curl -u '${app}' -X POST '${urls.introspection}' -d token=$ACCESS_TOKEN` }],
    },
    {
      id: 'revocation',
      title: 'Revocation (RFC 7009)',
      intro: "Revoking an access or refresh token ends the whole grant: every token of that authorization stops working.",
      examples: [{ id: 'revoke', title: 'Revoke', code: `curl -u '${app}' -X POST '${urls.revocation}' -d token=$REFRESH_TOKEN` }],
    },
    {
      id: 'userinfo',
      title: 'UserInfo (OpenID Connect)',
      intro: 'For an access token granted openid: the signed-in user’s claims, fhirUser included.',
      examples: [{ id: 'userinfo-get', title: 'UserInfo', code: `curl -H 'Authorization: Bearer $ACCESS_TOKEN' '${urls.userinfo}'` }],
    },
  ];
  if (urls.debugToken && urls.debugIntrospect) {
    sections.splice(3, 0, {
      id: 'debug-token',
      title: 'Sandbox: a token for a user without a browser (seed 003)',
      intro: 'Sandbox mode only: mints real tokens for a registered client, a user and a patient, with no sign-in. Never in production.',
      examples: [
        {
          id: 'debug-token-request',
          title: 'Mint',
          code: `curl -X POST '${urls.debugToken}' -H 'Content-Type: application/json' \\
  -d ${body({ client_id: s.app.id, access_lifetime: 3600, scope: 'patient/*.read launch/patient offline_access', user_name: s.user, patient_id: s.patient })}`,
        },
        { id: 'debug-introspect-request', title: 'Introspect', code: `curl '${urls.debugIntrospect}?token=$ACCESS_TOKEN'` },
      ],
    });
  }
  return sections;
}
