import type { Client, ClientRepository } from '../clients/client-repository.ts';

/** A demo client as printed at start. Fixed secret: sandbox mode only, never production. */
export interface DemoClient {
  id: string;
  kind: string;
  secret?: string;
}

const REDIRECT = 'http://localhost:3000/callback';
const LAUNCH = 'http://localhost:3000/launch';
const APP_SCOPE = ['launch', 'launch/patient', 'openid', 'fhirUser', 'offline_access', 'online_access', 'patient/*.rs', 'user/*.rs', 'patient/*.read', 'user/*.read'];

const DEMO_CLIENTS: readonly (Client & { id: string })[] = [
  {
    resourceType: 'Client',
    id: 'demo-public-app',
    name: 'Demo public app (PKCE)',
    type: 'smart-app',
    active: true,
    grant_types: ['authorization_code', 'refresh_token'],
    auth: { authorization_code: { redirect_uri: REDIRECT, pkce: true, refresh_token: true, secret_required: false } },
    smart: { launch_uri: LAUNCH },
    scope: APP_SCOPE,
  },
  {
    resourceType: 'Client',
    id: 'demo-confidential-app',
    name: 'Demo confidential app (client secret)',
    type: 'smart-app',
    active: true,
    secret: 'demo-confidential-secret',
    grant_types: ['authorization_code', 'refresh_token'],
    auth: { authorization_code: { redirect_uri: REDIRECT, refresh_token: true, secret_required: true } },
    smart: { launch_uri: LAUNCH },
    scope: APP_SCOPE,
  },
  {
    // No key: register your JWKS with PUT /Client/demo-backend-app (jwks or jwks_uri) before using it.
    resourceType: 'Client',
    id: 'demo-backend-app',
    name: 'Demo backend service (private_key_jwt; register your jwks via PUT /Client)',
    type: 'bulk-api-client',
    active: true,
    grant_types: ['client_credentials'],
    auth: { client_credentials: { client_assertion_types: ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer'] } },
    scope: ['system/*.rs', 'system/*.read'],
  },
];

/** Creates the sandbox demo clients; clients already there are left alone (a restart, or an administrator's edits). */
export async function seedDemoClients(clients: ClientRepository): Promise<DemoClient[]> {
  for (const client of DEMO_CLIENTS) {
    if (!(await clients.get(client.id))) await clients.put(client);
  }
  return [
    { id: 'demo-public-app', kind: `public, PKCE S256; redirect ${REDIRECT}, launch ${LAUNCH}` },
    { id: 'demo-confidential-app', kind: `confidential (client_secret_basic/post); redirect ${REDIRECT}, launch ${LAUNCH}`, secret: 'demo-confidential-secret' },
    { id: 'demo-backend-app', kind: 'backend (client_credentials, private_key_jwt): no key yet, register your jwks via PUT /Client/demo-backend-app' },
  ];
}
