import { calculateJwkThumbprint, type JWK } from 'jose';
import type { Client, ClientRepository, StoredClient } from '../../auth/clients/client-repository.ts';
import { ENDPOINTS } from '../../endpoints.ts';
import type { ClientSecrets } from '../../auth/clients/client-secret.ts';
import type { AccessPolicy, AccessPolicyRepository } from '../../auth/policies/access-policy.ts';
import { DEMO_BACKEND_ALG, generateDemoKeyPair, type DemoKeyFile, type DemoKeyPair } from './demo-backend-key.ts';

/** A demo client as printed at start. Fixed secret: sandbox mode only, never production. */
export interface DemoClient {
  id: string;
  kind: string;
  secret?: string;
  /** Where an app's authorization responses go (its registered redirect URI). */
  redirectUri?: string;
  /** The backend client's private JWK file, when this process has it (`portico assertion --key`). */
  privateKeyFile?: string;
  /** Why there is no key file here, when there is none. */
  note?: string;
}

export interface DemoClientDeps {
  /** BASE_URL: the demo apps' redirect and launch URIs are the sample app's, on this server. */
  baseUrl: string;
  clients: ClientRepository;
  policies: AccessPolicyRepository;
  /** The confidential client's published secret is stored encrypted, like any other. */
  secrets: Pick<ClientSecrets, 'seal'>;
  /** Where the backend client's private key is written (DATA_DIR). */
  backendKeyFile: DemoKeyFile;
  /** Key generation (randomness), injectable; ES384 by default. */
  newKeyPair?: () => Promise<DemoKeyPair>;
}

const SAMPLE_APP_ID = 'portico-sample-app';
const PUBLIC_ID = 'demo-public-app';
const BACKEND_ID = 'demo-backend-app';
const CONFIDENTIAL_ID = 'demo-confidential-app';
/** Published (printed at start): sandbox mode only. */
const CONFIDENTIAL_SECRET = 'demo-confidential-secret';

/** Where the demo apps pointed before the sample app existed (nothing listens there): moved to it at start. */
const OLD_REDIRECT = 'http://localhost:3000/callback';
const OLD_LAUNCH = 'http://localhost:3000/launch';
const APP_SCOPE = ['launch', 'launch/patient', 'openid', 'fhirUser', 'offline_access', 'online_access', 'patient/*.rs', 'user/*.rs', 'patient/*.read', 'user/*.read'];

/** A client the sample app can act as: its launch page's `client_id`, with the published secret of the confidential one. */
export interface SampleAppClient {
  id: string;
  name: string;
  secret?: string;
}

/** The clients the sample app launches as; the first is its own, the one it uses when not told. */
export const SAMPLE_APP_CLIENTS: readonly SampleAppClient[] = [
  { id: SAMPLE_APP_ID, name: 'Portico sample app' },
  { id: PUBLIC_ID, name: 'Demo public app (PKCE)' },
  { id: CONFIDENTIAL_ID, name: 'Demo confidential app (client secret)', secret: CONFIDENTIAL_SECRET },
];

/** The sample app's redirect URI and launch URI (acting as `clientId` when not its own), below BASE_URL. */
export function sampleAppUris(baseUrl: string, clientId: string = SAMPLE_APP_ID): { redirect: string; launch: string } {
  const root = `${baseUrl}${ENDPOINTS.sampleApp.path}/`;
  return { redirect: root, launch: `${root}launch.html${clientId === SAMPLE_APP_ID ? '' : `?client_id=${encodeURIComponent(clientId)}`}` };
}

/** A browser app the sample app launches as: authorization code (+ refresh), redirect and launch URIs on this server. */
function sampleAppClient(baseUrl: string, id: string, name: string, secretRequired: boolean): Client & { id: string } {
  const uris = sampleAppUris(baseUrl, id);
  return {
    resourceType: 'Client',
    id,
    name,
    type: 'smart-app',
    active: true,
    grant_types: ['authorization_code', 'refresh_token'],
    auth: {
      authorization_code: secretRequired
        ? { redirect_uri: uris.redirect, refresh_token: true, secret_required: true }
        : { redirect_uri: uris.redirect, pkce: true, refresh_token: true, secret_required: false },
    },
    smart: { launch_uri: uris.launch },
    scope: APP_SCOPE,
  };
}

function demoClients(baseUrl: string): (Client & { id: string })[] {
  return [
    sampleAppClient(baseUrl, SAMPLE_APP_ID, 'Portico sample app', false),
    sampleAppClient(baseUrl, PUBLIC_ID, 'Demo public app (PKCE)', false),
    // Its secret, CONFIDENTIAL_SECRET, is added encrypted when it is seeded.
    sampleAppClient(baseUrl, CONFIDENTIAL_ID, 'Demo confidential app (client secret)', true),
    {
      // Its key pair is generated at the first start (ensureBackendKey): public half inline, private half in DATA_DIR.
      resourceType: 'Client',
      id: BACKEND_ID,
      name: 'Demo backend service (client_credentials, private_key_jwt)',
      type: 'bulk-api-client',
      active: true,
      grant_types: ['client_credentials'],
      auth: { client_credentials: { client_assertion_types: ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer'] } },
      scope: ['system/*.rs', 'system/*.read'],
    },
  ];
}

/**
 * Creates the sandbox demo clients, a FHIR-only AccessPolicy for each (user/ and system/ tokens act only
 * within a client's policies) and the backend client's key pair. Clients and policies already there are
 * left alone (a restart, or an administrator's edits), except a demo app still redirecting to the old
 * http://localhost:3000/callback, which is moved to the sample app.
 */
export async function seedDemoClients(deps: DemoClientDeps): Promise<DemoClient[]> {
  const seeded = demoClients(deps.baseUrl);
  for (const client of seeded) {
    const stored = await deps.clients.get(client.id);
    if (!stored) {
      await deps.clients.put(client.id === CONFIDENTIAL_ID ? { ...client, secret: deps.secrets.seal(client.id, CONFIDENTIAL_SECRET) } : client);
      continue;
    }
    const moved = movedToSampleApp(stored, client);
    // Only while nobody else changed it since it was read (a twin process moving it too, an administrator).
    if (moved) await deps.clients.replaceIfUnchanged(moved, stored.meta.versionId);
  }
  for (const client of seeded) {
    if (!(await deps.policies.get(client.id))) await deps.policies.put(fhirPolicy(client.id));
  }
  const backendKey = await ensureBackendKey(deps);
  const launches = (id: string) => {
    const uris = sampleAppUris(deps.baseUrl, id);
    return `redirect ${uris.redirect}, launch ${uris.launch}`;
  };
  return [
    { id: SAMPLE_APP_ID, kind: `public, PKCE S256; the built-in sample app: ${launches(SAMPLE_APP_ID)}`, redirectUri: sampleAppUris(deps.baseUrl, SAMPLE_APP_ID).redirect },
    { id: PUBLIC_ID, kind: `public, PKCE S256; launches the sample app: ${launches(PUBLIC_ID)}`, redirectUri: sampleAppUris(deps.baseUrl, PUBLIC_ID).redirect },
    {
      id: CONFIDENTIAL_ID,
      kind: `confidential (client_secret_basic/post); launches the sample app: ${launches(CONFIDENTIAL_ID)}`,
      secret: CONFIDENTIAL_SECRET,
      redirectUri: sampleAppUris(deps.baseUrl, CONFIDENTIAL_ID).redirect,
    },
    { id: BACKEND_ID, kind: `backend (client_credentials, private_key_jwt ${DEMO_BACKEND_ALG}; system/*.rs)`, ...backendKey },
  ];
}

/**
 * A demo app as an earlier version seeded it, redirecting to http://localhost:3000 where nothing runs: the same
 * Client with the sample app's redirect URI, and its launch URI unless an administrator set another. Undefined for
 * any other redirect URI: that is an administrator's choice.
 */
function movedToSampleApp(stored: StoredClient, seeded: Client): StoredClient | undefined {
  const code = stored.auth?.authorization_code;
  const redirect = seeded.auth?.authorization_code?.redirect_uri;
  if (code?.redirect_uri !== OLD_REDIRECT || redirect === undefined) return undefined;
  const launch = stored.smart?.launch_uri;
  return {
    ...stored,
    auth: { ...stored.auth, authorization_code: { ...code, redirect_uri: redirect } },
    smart: { ...stored.smart, ...(launch === undefined || launch === OLD_LAUNCH ? { launch_uri: seeded.smart?.launch_uri } : {}) },
  };
}

/**
 * FHIR requests only: an `allow` policy would also open the admin API to anyone holding the demo
 * confidential client's published secret (policies serve both surfaces).
 */
function fhirPolicy(clientId: string): AccessPolicy & { id: string } {
  return {
    resourceType: 'AccessPolicy',
    id: clientId,
    engine: 'matcho',
    link: [{ resourceType: 'Client', id: clientId }],
    matcho: { uri: '#^/fhir(/|$)' },
    description: `Sandbox: lets the demo client ${clientId} use the FHIR API within its scopes`,
  };
}

/**
 * The backend client's key: generated once, when the client has no keys (first start, or a client seeded
 * before it had one), its public half stored inline in the Client and its private half written to the key
 * file. Later starts only check that the file still holds the registered key.
 */
async function ensureBackendKey(deps: DemoClientDeps): Promise<Pick<DemoClient, 'privateKeyFile' | 'note'>> {
  const file = deps.backendKeyFile;
  const client = await deps.clients.get(BACKEND_ID);
  if (!client) return { note: 'the client was deleted' };
  if (client.jwks_uri !== undefined) return { note: `its keys are at ${client.jwks_uri}` };
  if ((client.jwks?.keys.length ?? 0) === 0) {
    const pair = await (deps.newKeyPair ?? generateDemoKeyPair)();
    await deps.clients.put({ ...client, jwks: { keys: [pair.publicJwk as Record<string, unknown>] } });
    // Two processes starting together both get here; only the one whose key was stored last keeps a file.
    const stored = await deps.clients.get(BACKEND_ID);
    if (!stored || !(await registers(stored, pair.privateJwk))) return { note: 'another server process created its key' };
    await file.write(pair.privateJwk);
  }
  if (file.path === undefined) return { note: 'its private key is not kept (DATA_DIR is in memory)' };
  const privateJwk = await file.read();
  const current = await deps.clients.get(BACKEND_ID);
  if (privateJwk && current && (await registers(current, privateJwk))) return { privateKeyFile: file.path };
  return { note: `${file.path} does not hold its registered key (DELETE /Client/${BACKEND_ID} and restart for a new one)` };
}

/** Whether the client's inline JWKS has the public half of this key (compared by RFC 7638 thumbprint). */
async function registers(client: StoredClient, privateJwk: JWK): Promise<boolean> {
  const thumbprint = async (jwk: JWK) => calculateJwkThumbprint(jwk).catch(() => undefined);
  const wanted = await thumbprint(privateJwk);
  if (wanted === undefined) return false;
  for (const key of client.jwks?.keys ?? []) {
    if ((await thumbprint(key as JWK)) === wanted) return true;
  }
  return false;
}
