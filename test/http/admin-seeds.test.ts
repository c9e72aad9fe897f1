import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { parse as parseYaml, stringify as stringifyYaml } from 'yaml';
import { adminHttp } from '../auth/support/admin-http.ts';
import { drivers, startPortico, type TestPortico } from '../support/portico.ts';

/**
 * Every admin-API and RPC example of seeds 000, 002 and 004, replayed as written: YAML bodies
 * (indentation restored; the seed text lost it), JSON bodies with their `//` comments, and the same
 * examples again as JSON / YAML.
 */

// Seed 000: "Client with predefined secret and id".
const SEED_000_PUT_CLIENT = `secret: inferno-confidential-patient-smart-app-secret
type: patient-facing-smart-app
active: true
grant_types:
- authorization_code
auth:
  authorization_code:
    pkce: false
    redirect_uri: 'https://inferno.healthit.gov/suites/custom/smart/redirect'
    refresh_token: true
    secret_required: true
    access_token_expiration: 300
smart:
  launch_uri: 'https://inferno.healthit.gov/suites/custom/smart/launch'
`;

// Seed 000: "Client without predefined secret and id (patient confidential app)".
const SEED_000_RPC_CONFIDENTIAL = `method: smartbox.portal.developer.rpc/save-developer-application
params:
  confidentiality:
    value: confidential
  name: some-app-name
  description: some-app-name
  redirect-url: http://redirect
  launch-url: http://launch
  logo-url: http://logo
  org-name: org-name
  org-url: http://org
  policy-url: http://policy
  tos-url: http://tos
`;

// Seed 000: "Client without predefined id (patient public app)".
const SEED_000_RPC_PUBLIC = `method: smartbox.portal.developer.rpc/save-developer-application
params:
  confidentiality:
    value: public
  name: public-app-name
  description: public-app-name
  redirect-url: http://public.redirect
  launch-url: http://public.launch
  logo-url: http://public.logo
  org-name: public-org-name
  org-url: http://public.org
  policy-url: http://public.policy
  tos-url: http://public.tos
`;

// Seed 000: "Client for provider usage".
const SEED_000_PROVIDER = `type: provider-facing-smart-app
name: provider-app-name
description: provider-app-description
grant_types:
- authorization_code
resourceType: Client
smart:
  launch_uri: http://launch
auth:
  authorization_code:
    pkce: true
    redirect_uri: http://redirect
    refresh_token: true
    secret_required: false
    access_token_expiration: 300
details:
  logo-uri: http://logo
meta:
  _tenant: my-clinic
`;

// Seed 000: "Client for Bulk API" (sent without a Content-Type, as the seed shows it).
const SEED_000_BULK = `name: bulk-app-name
jwks_uri: http://jwks-uri
auth:
  client_credentials:
    client_assertion_types:
    - urn:ietf:params:oauth:client-assertion-type:jwt-bearer
    access_token_expiration: 300
type: bulk-api-client
scope:
- system/*.read
grant_types:
- client_credentials
meta:
  _tenant: my-clinic
`;

// Seed 002: the public and confidential SMART app Clients, with the seed's comments.
const SEED_002_PUBLIC = `{
"resourceType": "Client",
"id": "my-public-smart-app-client-id",
"active": true,
"auth": {
"authorization_code": {
"redirect_uri": "http://smart-app-uri.com/redirect",
"refresh_token": true,
// always shall be jwt
"token_format": "jwt",
"access_token_expiration": 3600000,
"secret_required": false,
"pkce": true
}
},
// always shall have smart.launch_uri value
"smart": {
"launch_uri": "http://smart-app-launch-endpoint/launch.html"
},
// always shall be "smart-app" type
"type": "smart-app",
"grant_types": [
"code"
]
}`;

const SEED_002_CONFIDENTIAL = `{
"resourceType": "Client",
"id": "my-confidential-smart-app-client-id",
"active": true,
"auth": {
"authorization_code": {
"redirect_uri": "http://smart-app-uri.com/redirect",
"refresh_token": true,
// always shall be jwt
"token_format": "jwt",
"access_token_expiration": 3600000,
"secret_required": true,
// only if you want to use PKCE challenge
"pkce": true
}
},
"secret": "quOfCRS7ty1RMUQq",
// always shall have smart.launch_uri value
"smart": {
"launch_uri": "http://smart-app-launch-endpoint/launch.html"
},
// always shall be "smart-app" type
"type": "smart-app",
"grant_types": [
"code"
]
}`;

const SEED_002_POLICY = `{
"resourceType": "AccessPolicy",
"id": "my-smart-app-client-id-allow",
"engine": "allow",
"link": [{
"id": "my-public-smart-app-client-id",
"resourceType": "Client"
}]
}`;

// Seed 004: the bulk client (its jwks_uri is a placeholder, see below) and its AccessPolicy.
const SEED_004_CLIENT = `{
"type": "bulk-api-client",
"active": true,
"auth": {
"client_credentials": {
"client_assertion_types": [
"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
],
"access_token_expiration": 300,
"token_format": "jwt"
}
},
"scope": [
"system/*.read"
],
"jwks_uri": "<Your-JWKS-server>/.well-known/jwks.json",
"grant_types": [
"client_credentials"
]
}`;

const SEED_004_POLICY = `{
"engine": "allow",
"link": [
{
"id": "inferno-my-clinic-bulk-client",
"resourceType": "Client"
}
]
}`;

/** The seed's JSON without its comments, as a value (for the JSON ⇄ YAML variants). */
const jsonValue = (text: string) => JSON.parse(text.replace(/^\s*\/\/.*$/gm, '')) as Record<string, unknown>;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

for (const driver of drivers) {
  describe(`admin API and RPC: the seeds' examples (${driver})`, () => {
    let portico: TestPortico;
    let send: ReturnType<typeof adminHttp>;
    before(async () => {
      portico = await startPortico(driver);
      send = adminHttp(portico.app);
      // Seed 000's provider and Bulk Data clients are bound to my-clinic, which the demo sandbox creates.
      const tenant = await send('PUT', '/Tenant/my-clinic', { body: { name: 'My Clinic' } });
      assert.equal(tenant.status, 201, tenant.text);
    });
    after(() => portico.stop());

    for (const variant of ['yaml', 'json'] as const) {
      const body = (yaml: string) => (variant === 'yaml' ? { body: yaml, contentType: 'text/yaml' } : { body: parseYaml(yaml) as unknown });

      it(`seed 000: PUT /Client/{id} with a predefined secret, then GET shows the secret (${variant})`, async () => {
        const id = `inferno-confidential-patient-smart-app-${variant}`;
        const put = await send('PUT', `/Client/${id}`, body(SEED_000_PUT_CLIENT));
        assert.equal(put.status, 201, put.text);
        assert.equal(put.body.resourceType, 'Client');
        assert.equal(put.body.id, id);
        assert.equal(put.body.meta.versionId, '1');
        assert.ok(put.body.meta.lastUpdated);
        assert.equal(put.body.secret, undefined, "only the root client's read of the Client shows its secret");
        assert.deepEqual(put.body.auth.authorization_code.access_token_expiration, 300);

        const again = await send('PUT', `/Client/${id}`, body(SEED_000_PUT_CLIENT));
        assert.equal(again.status, 200);
        assert.equal(again.body.meta.versionId, '2');

        const get = await send('GET', `/Client/${id}`, { contentType: 'text/yaml' });
        assert.equal(get.status, 200);
        assert.equal(get.body.secret, 'inferno-confidential-patient-smart-app-secret');
        assert.equal(get.body.smart.launch_uri, 'https://inferno.healthit.gov/suites/custom/smart/launch');
      });

      it(`seed 000: RPC save-developer-application, confidential: generated id and secret, GET shows it (${variant})`, async () => {
        const rpc = await send('POST', '/rpc', body(SEED_000_RPC_CONFIDENTIAL));
        assert.equal(rpc.status, 200, rpc.text);
        const client = rpc.body.result;
        assert.match(client.id, UUID);
        assert.equal(client.secret, undefined, 'the RPC answers without the secret');
        assert.equal(client.name, 'some-app-name');
        assert.equal(client.description, 'some-app-name');
        assert.equal(client.auth.authorization_code.redirect_uri, 'http://redirect');
        assert.equal(client.auth.authorization_code.secret_required, true);
        assert.equal(client.smart.launch_uri, 'http://launch');
        assert.deepEqual(client.details, {
          'logo-uri': 'http://logo',
          'org-name': 'org-name',
          'org-uri': 'http://org',
          'policy-uri': 'http://policy',
          'tos-uri': 'http://tos',
        });

        // "How to get Client secret": GET /Client/{id} with Content-Type: text/yaml.
        const get = await send('GET', `/Client/${client.id}`, { contentType: 'text/yaml' });
        assert.equal(get.status, 200);
        assert.equal(typeof get.body.secret, 'string');
        assert.ok(get.body.secret.length >= 32);
      });

      it(`seed 000: RPC save-developer-application, public: PKCE, no secret (${variant})`, async () => {
        const rpc = await send('POST', '/rpc', body(SEED_000_RPC_PUBLIC));
        assert.equal(rpc.status, 200, rpc.text);
        const client = rpc.body.result;
        assert.match(client.id, UUID);
        assert.equal(client.secret, undefined);
        assert.equal(client.auth.authorization_code.pkce, true);
        assert.equal(client.auth.authorization_code.secret_required, false);
        assert.equal(client.auth.authorization_code.redirect_uri, 'http://public.redirect');
        assert.equal((await send('GET', `/Client/${client.id}`)).body.secret, undefined);
      });

      it(`seed 000: POST /Client for a provider app (tenant, details, public) (${variant})`, async () => {
        const res = await send('POST', '/Client', body(SEED_000_PROVIDER));
        assert.equal(res.status, 201, res.text);
        assert.match(res.body.id, UUID);
        assert.equal(res.headers.location, `http://portico.test/Client/${res.body.id}`);
        assert.equal(res.body.meta._tenant, 'my-clinic');
        assert.equal(res.body.details['logo-uri'], 'http://logo');
        assert.equal(res.body.type, 'provider-facing-smart-app');
        assert.equal(res.body.secret, undefined, 'secret_required: false makes a public client');
        // The app authorizes at my-clinic, as the seed means it to; it is unknown at the default tenant.
        const authorize = (prefix: string) =>
          portico.app.inject({
            method: 'GET',
            url: `${prefix}/auth/authorize?${new URLSearchParams({
              response_type: 'code',
              client_id: String(res.body.id),
              redirect_uri: 'http://redirect',
              scope: 'launch/patient openid',
              state: 'seed-000',
              aud: `http://portico.test${prefix}/fhir`,
              code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
              code_challenge_method: 'S256',
            }).toString()}`,
          });
        const atTenant = await authorize('/t/my-clinic');
        assert.equal(atTenant.statusCode, 303, atTenant.body);
        assert.match(String(atTenant.headers.location), /^\/t\/my-clinic\/auth\/login\?/);
        assert.equal((await authorize('')).statusCode, 400);
      });

      it(`seed 000: POST /Client for the Bulk API (${variant})`, async () => {
        // As written, the seed sends this body without a Content-Type; JSON variant sends JSON.
        const res = await send('POST', '/Client', variant === 'yaml' ? { body: SEED_000_BULK, contentType: '' } : body(SEED_000_BULK));
        assert.equal(res.status, 201, res.text);
        assert.equal(res.body.type, 'bulk-api-client');
        assert.equal(res.body.jwks_uri, 'http://jwks-uri');
        assert.deepEqual(res.body.scope, ['system/*.read']);
        assert.deepEqual(res.body.grant_types, ['client_credentials']);
        assert.equal(res.body.meta._tenant, 'my-clinic');
        assert.equal(res.body.secret, undefined, 'a JWT-assertion client gets no secret');
      });
    }

    for (const variant of ['json', 'yaml'] as const) {
      const body = (json: string) =>
        variant === 'json' ? { body: json, contentType: 'application/json' } : { body: stringifyYaml(jsonValue(json)), contentType: 'text/yaml' };

      it(`seed 002: PUT the public and the confidential SMART app Clients (${variant})`, async () => {
        const suffix = variant === 'json' ? '' : '-yaml';
        const pub = await send('PUT', `/Client/my-public-smart-app-client-id${suffix}`, body(SEED_002_PUBLIC));
        assert.equal(pub.status, 201, pub.text);
        assert.equal(pub.body.id, `my-public-smart-app-client-id${suffix}`, 'the URL id wins over the body id');
        assert.deepEqual(pub.body.grant_types, ['authorization_code'], 'code is stored as authorization_code');
        assert.equal(pub.body.secret, undefined);
        assert.equal(pub.body.auth.authorization_code.access_token_expiration, 3600000);

        const conf = await send('PUT', `/Client/my-confidential-smart-app-client-id${suffix}`, body(SEED_002_CONFIDENTIAL));
        assert.equal(conf.status, 201, conf.text);
        assert.equal(conf.body.secret, undefined, "only the root client's read of the Client shows its secret");
        assert.equal(conf.body.auth.authorization_code.token_format, 'jwt');
        assert.equal((await send('GET', `/Client/my-confidential-smart-app-client-id${suffix}`)).body.secret, 'quOfCRS7ty1RMUQq');
      });

      it(`seed 002: PUT /AccessPolicy stores the policy under the URL's id (${variant})`, async () => {
        const url = variant === 'json' ? '/AccessPolicy/my-confidential-smart-app-client-id' : '/AccessPolicy/my-confidential-smart-app-client-id-yaml';
        const res = await send('PUT', url, body(SEED_002_POLICY));
        assert.equal(res.status, 201, res.text);
        assert.equal(res.body.id, url.split('/')[2]);
        assert.equal(res.body.engine, 'allow');
        assert.deepEqual(res.body.link, [{ id: 'my-public-smart-app-client-id', resourceType: 'Client' }]);
        assert.equal((await send('GET', url)).status, 200);
        assert.equal((await send('GET', '/AccessPolicy/my-smart-app-client-id-allow')).status, 404);
      });

      it(`seed 004: PUT the bulk client and its AccessPolicy; responses as the seed shows (${variant})`, async () => {
        // The seed's jwks_uri is a placeholder ("<Your-JWKS-server>/…"); sent as is, it is refused by name.
        const placeholder = await send('PUT', '/Client/inferno-my-clinic-bulk-client', body(SEED_004_CLIENT));
        assert.equal(placeholder.status, 422);
        assert.deepEqual(placeholder.body.issue[0].expression, ['Client.jwks_uri']);

        // With the URL from the seed's own response filled in, it is accepted.
        const filled = SEED_004_CLIENT.replace('<Your-JWKS-server>', 'http://localhost:8082');
        const res = await send('PUT', '/Client/inferno-my-clinic-bulk-client', body(filled));
        assert.ok(res.status === 201 || res.status === 200, res.text);
        const { id, meta, ...rest } = res.body;
        assert.equal(id, 'inferno-my-clinic-bulk-client');
        assert.ok(meta.versionId);
        assert.deepEqual(rest, {
          type: 'bulk-api-client',
          grant_types: ['client_credentials'],
          resourceType: 'Client',
          scope: ['system/*.read'],
          auth: {
            client_credentials: {
              client_assertion_types: ['urn:ietf:params:oauth:client-assertion-type:jwt-bearer'],
              access_token_expiration: 300,
              token_format: 'jwt',
            },
          },
          active: true,
          jwks_uri: 'http://localhost:8082/.well-known/jwks.json',
        });

        const policy = await send('PUT', '/AccessPolicy/inferno-my-clinic-bulk-client', body(SEED_004_POLICY));
        assert.ok(policy.status === 201 || policy.status === 200, policy.text);
        const { meta: _m, ...policyRest } = policy.body;
        assert.deepEqual(policyRest, {
          id: 'inferno-my-clinic-bulk-client',
          link: [{ id: 'inferno-my-clinic-bulk-client', resourceType: 'Client' }],
          engine: 'allow',
          resourceType: 'AccessPolicy',
        });
      });
    }
  });
}
