import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { z } from 'zod';
import { adminHttp, basic } from '../auth/support/admin-http.ts';
import { drivers, startPortico, TEST_BASE_URL, type TestPortico } from '../support/portico.ts';
import { ENDPOINTS } from '../../src/endpoints.ts';
import { ADMIN_KINDS, ADMIN_SCHEMAS } from '../../src/auth/admin/registry-admin.ts';
import { clientMetadataSchema } from '../../src/auth/registration/client-metadata.ts';
import { clientInformationSchema, initialAccessTokenSchema } from '../../src/auth/registration/registration-response.ts';
import { getLaunchUriParams, launchUriResultSchema } from '../../src/auth/rpc/get-launch-uri.ts';
import { saveDeveloperApplicationParams } from '../../src/auth/rpc/save-developer-application.ts';
import {
  authorizationCodeRequestSchema,
  clientCredentialsRequestSchema,
  introspectionRequestSchema,
  refreshTokenRequestSchema,
  revocationRequestSchema,
} from '../../src/auth/tokens/token-request-schemas.ts';
import { introspectionResponseSchema, oauthErrorSchema, tokenResponseSchema } from '../../src/auth/tokens/token-response.ts';
import { clientSchema } from '../../src/auth/clients/validate-client.ts';

/** The endpoints that are APIs the OpenAPI document describes; every other one is named below with why not. */
const API_ENDPOINTS = ['health', 'ready', 'smartConfiguration', 'fhirSmartConfiguration', 'openidConfiguration', 'jwks', 'authorization', 'token', 'introspection', 'revocation', 'userinfo', 'registration', 's4sRegistration', 'initialAccessToken', 'rpc'] as const;
const NOT_IN_OPENAPI: Record<Exclude<keyof typeof ENDPOINTS, (typeof API_ENDPOINTS)[number]>, string> = {
  fhir: 'the FHIR API: its CapabilityStatement describes it',
  openFhir: 'the FHIR API again (sandbox)',
  wellKnown: 'a prefix; its documents are listed one by one',
  smartStyle: 'a static style document',
  authorizationDecision: 'a form of the consent page',
  login: 'a page',
  logout: 'a page',
  federation: 'pages: a browser sent to an identity provider and back',
  management: 'a page',
  managementRevoke: 'a form of a page',
  assets: 'page assets',
  stylesheet: 'page assets',
  copyButtonScript: 'page assets',
  portal: 'pages (the developer portal)',
  console: 'pages (the admin console)',
  invitation: 'a page (one-time set-password links of the admin console)',
  sampleApp: 'a sandbox app, static pages',
  launcher: 'a page (the EHR launcher)',
  launcherLaunch: 'a form of the launcher page',
  launcherInspect: 'a page (the token inspector)',
  debugToken: 'sandbox only: shown on /docs',
  debugIntrospect: 'sandbox only: shown on /docs',
  docs: 'this documentation',
  openApi: 'this document',
};

const schemaJson = (schema: z.ZodType, io: 'input' | 'output' = 'input') => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  return rest;
};
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const FORM = 'application/x-www-form-urlencoded';
const decodeHtml = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&#96;/g, '`').replace(/&amp;/g, '&');

/** The text of the example `<code id="…">` on the page. */
function example(page: string, id: string): string {
  const match = new RegExp(`<code id="${id}">([\\s\\S]*?)</code>`).exec(page);
  assert.ok(match?.[1], `example ${id} on the page`);
  return decodeHtml(match[1]);
}

for (const driver of drivers) {
  describe(`API docs (${driver})`, () => {
    let sandbox: TestPortico;
    let production: TestPortico;
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the document is arbitrary JSON
    let doc: any;

    before(async () => {
      sandbox = await startPortico(driver, { SEED: 'demo' });
      production = await startPortico(driver, { MODE: 'production', ADMIN_CLIENT_ID: 'root', ADMIN_CLIENT_SECRET: 'a-production-root-secret-of-length', SECRETS_KEY: Buffer.alloc(32, 7).toString('base64url'), SESSION_SECRET: 'a-session-secret-of-at-least-thirty-two-chars' });
      const res = await sandbox.app.inject({ method: 'GET', url: ENDPOINTS.openApi.path, headers: { origin: 'https://elsewhere.example' } });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(res.headers['access-control-allow-origin'], '*');
      doc = res.json();
    });
    after(async () => {
      await sandbox?.stop();
      await production?.stop();
    });

    it('is an OpenAPI 3.1 document for this server: every API endpoint, every admin kind, the security schemes with its URLs', () => {
      assert.match(doc.openapi, /^3\.1\.\d+$/);
      assert.equal(doc.jsonSchemaDialect, 'https://json-schema.org/draft/2020-12/schema');
      assert.equal(typeof doc.info.title, 'string');
      assert.deepEqual(doc.servers, [{ url: TEST_BASE_URL }]);
      for (const name of API_ENDPOINTS) assert.ok(doc.paths[ENDPOINTS[name].path], `${name} ${ENDPOINTS[name].path}`);
      // Every endpoint is decided: described, or named as not an API (a new one fails here until it is).
      for (const name of Object.keys(ENDPOINTS)) assert.ok((API_ENDPOINTS as readonly string[]).includes(name) || name in NOT_IN_OPENAPI, name);
      for (const kind of ADMIN_KINDS) {
        assert.deepEqual(Object.keys(doc.paths[`/${kind}`]).sort(), ['get', 'post']);
        assert.deepEqual(Object.keys(doc.paths[`/${kind}/{id}`]).sort(), ['delete', 'get', 'put']);
      }
      for (const operation of Object.values(doc.paths).flatMap((item) => Object.values(item as object))) assert.ok(operation.responses, JSON.stringify(operation));
      const { basic: basicScheme, bearer, smart } = doc.components.securitySchemes;
      assert.deepEqual([basicScheme.scheme, bearer.scheme], ['basic', 'bearer']);
      assert.equal(smart.flows.authorizationCode.authorizationUrl, `${TEST_BASE_URL}${ENDPOINTS.authorization.path}`);
      assert.equal(smart.flows.authorizationCode.tokenUrl, `${TEST_BASE_URL}${ENDPOINTS.token.path}`);
      assert.equal(smart.flows.clientCredentials.tokenUrl, `${TEST_BASE_URL}${ENDPOINTS.token.path}`);
      // The scopes are discovery's.
      assert.ok(Object.keys(smart.flows.authorizationCode.scopes).includes('patient/*.rs'));
      assert.ok(Object.keys(smart.flows.clientCredentials.scopes).every((scope) => scope.startsWith('system/')));
    });

    it("publishes as each request's schema the zod schema the server parses it with", async () => {
      const smartConfiguration = (await sandbox.app.inject({ method: 'GET', url: ENDPOINTS.smartConfiguration.path })).json();
      assert.deepEqual(Object.keys(doc.components.securitySchemes.smart.flows.authorizationCode.scopes), smartConfiguration.scopes_supported);
      const body = (path: string, method: string, type = 'application/json') => doc.paths[path][method].requestBody.content[type].schema;
      assert.deepEqual(body(ENDPOINTS.token.path, 'post', FORM), { oneOf: [authorizationCodeRequestSchema, refreshTokenRequestSchema, clientCredentialsRequestSchema].map((s) => schemaJson(s)) });
      assert.deepEqual(body(ENDPOINTS.token.path, 'post'), body(ENDPOINTS.token.path, 'post', FORM));
      assert.deepEqual(body(ENDPOINTS.introspection.path, 'post', FORM), schemaJson(introspectionRequestSchema));
      assert.deepEqual(body(ENDPOINTS.revocation.path, 'post', FORM), schemaJson(revocationRequestSchema));
      for (const base of [ENDPOINTS.registration.path, ENDPOINTS.s4sRegistration.path]) {
        assert.deepEqual(body(base, 'post'), schemaJson(clientMetadataSchema));
        assert.deepEqual(body(`${base}/{client_id}`, 'put'), schemaJson(clientMetadataSchema));
      }
      for (const kind of ADMIN_KINDS) {
        assert.deepEqual(body(`/${kind}`, 'post'), schemaJson(ADMIN_SCHEMAS[kind]));
        assert.deepEqual(body(`/${kind}/{id}`, 'put', 'text/yaml'), schemaJson(ADMIN_SCHEMAS[kind]));
      }
      const rpc = body(ENDPOINTS.rpc.path, 'post').oneOf;
      assert.deepEqual(
        rpc.map((m: { properties: { params: unknown } }) => m.properties.params),
        [saveDeveloperApplicationParams, getLaunchUriParams].map((s) => schemaJson(s)),
      );
      const ok = (path: string, method: string, status: number) => doc.paths[path][method].responses[status].content['application/json'].schema;
      assert.deepEqual(ok(ENDPOINTS.token.path, 'post', 200), schemaJson(tokenResponseSchema, 'output'));
      assert.deepEqual(ok(ENDPOINTS.token.path, 'post', 400), schemaJson(oauthErrorSchema, 'output'));
      assert.deepEqual(ok(ENDPOINTS.introspection.path, 'post', 200), schemaJson(introspectionResponseSchema, 'output'));
      assert.deepEqual(ok(ENDPOINTS.registration.path, 'post', 201), schemaJson(clientInformationSchema, 'output'));
      assert.deepEqual(ok(ENDPOINTS.initialAccessToken.path, 'post', 201), schemaJson(initialAccessTokenSchema, 'output'));
    });

    it('real requests and answers fit the published schemas; bad ones are refused by both the schema and the server', async () => {
      const admin = adminHttp(sandbox.app);
      // RFC 7591: an initial access token, then a registration with it.
      const iat = await sandbox.app.inject({ method: 'POST', url: ENDPOINTS.initialAccessToken.path, headers: { authorization: basic('root', 'secret') } });
      assert.equal(iat.statusCode, 201, iat.body);
      initialAccessTokenSchema.parse(iat.json());
      const metadata = { client_name: 'Docs app', redirect_uris: ['https://app.example.org/cb'], token_endpoint_auth_method: 'client_secret_basic', scope: 'launch/patient patient/*.rs' };
      clientMetadataSchema.parse(metadata);
      const registered = await sandbox.app.inject({ method: 'POST', url: ENDPOINTS.registration.path, headers: { 'content-type': 'application/json', authorization: `Bearer ${iat.json().token}` }, payload: metadata });
      assert.equal(registered.statusCode, 201, registered.body);
      assert.ok(clientInformationSchema.parse(registered.json()).client_secret);

      // The admin API: a backend client with a secret, in the Client schema.
      const backend = { secret: 'docs-backend-secret', grant_types: ['client_credentials'], scope: ['system/*.rs'], auth: { client_credentials: {} } };
      ADMIN_SCHEMAS.Client.parse(backend);
      const created = await admin('PUT', '/Client/docs-backend', { body: backend });
      assert.equal(created.status, 201, created.text);
      ADMIN_SCHEMAS.Client.parse(created.body);
      const credentials = basic('docs-backend', 'docs-backend-secret');

      // The token endpoint: the request fits its grant's schema, the answer the token response's.
      const tokenFields = { grant_type: 'client_credentials', scope: 'system/*.rs' };
      clientCredentialsRequestSchema.parse(tokenFields);
      const token = await sandbox.app.inject({ method: 'POST', url: ENDPOINTS.token.path, headers: { 'content-type': FORM, authorization: credentials }, payload: form(tokenFields) });
      assert.equal(token.statusCode, 200, token.body);
      const tokens = tokenResponseSchema.parse(token.json());

      const introspectFields = { token: tokens.access_token };
      introspectionRequestSchema.parse(introspectFields);
      const introspected = await sandbox.app.inject({ method: 'POST', url: ENDPOINTS.introspection.path, headers: { 'content-type': FORM, authorization: credentials }, payload: form(introspectFields) });
      assert.equal(introspected.statusCode, 200, introspected.body);
      assert.equal(introspectionResponseSchema.parse(introspected.json()).active, true);
      revocationRequestSchema.parse(introspectFields);
      const revoked = await sandbox.app.inject({ method: 'POST', url: ENDPOINTS.revocation.path, headers: { 'content-type': FORM, authorization: credentials }, payload: form(introspectFields) });
      assert.equal(revoked.statusCode, 200, revoked.body);
      const inactive = await sandbox.app.inject({ method: 'POST', url: ENDPOINTS.introspection.path, headers: { 'content-type': FORM, authorization: credentials }, payload: form(introspectFields) });
      assert.deepEqual(introspectionResponseSchema.parse(inactive.json()), { active: false });

      // The admin API answers each kind in its schema.
      for (const [kind, id] of [['Client', 'demo-confidential-app'], ['User', 'sandbox-patient'], ['AccessPolicy', 'demo-confidential-app'], ['Tenant', 'my-clinic']] as const) {
        const read = await admin('GET', `/${kind}/${id}`);
        assert.equal(read.status, 200, read.text);
        ADMIN_SCHEMAS[kind].parse(read.body);
      }

      // The RPC: each method's params and result.
      const saveParams = { confidentiality: { value: 'public' }, name: 'Docs app', 'redirect-url': 'https://app.example.org/redirect', 'launch-url': 'https://app.example.org/launch' };
      saveDeveloperApplicationParams.parse(saveParams);
      const saved = await admin('POST', ENDPOINTS.rpc.path, { body: { method: 'smartbox.portal.developer.rpc/save-developer-application', params: saveParams } });
      assert.equal(saved.status, 200, saved.text);
      clientSchema.parse(saved.body.result);
      const launchParams = { client: saved.body.result.id, user: 'sandbox-practitioner', ctx: { patient: 'test-pt-1' } };
      getLaunchUriParams.parse(launchParams);
      const launched = await admin('POST', ENDPOINTS.rpc.path, { body: { method: 'aidbox.smart/get-launch-uri', params: launchParams } });
      assert.equal(launched.status, 200, launched.text);
      launchUriResultSchema.parse(launched.body.result);

      // Refused by the schema, and by the server with the protocol's error.
      const noScope = { grant_type: 'client_credentials' };
      assert.equal(clientCredentialsRequestSchema.safeParse(noScope).success, false);
      const refusedToken = await sandbox.app.inject({ method: 'POST', url: ENDPOINTS.token.path, headers: { 'content-type': FORM, authorization: credentials }, payload: form(noScope) });
      assert.equal(refusedToken.statusCode, 400);
      assert.equal(oauthErrorSchema.parse(refusedToken.json()).error, 'invalid_request');
      const badMetadata = { redirect_uris: 'https://app.example.org/cb' };
      assert.equal(clientMetadataSchema.safeParse(badMetadata).success, false);
      const refusedRegistration = await sandbox.app.inject({ method: 'POST', url: ENDPOINTS.registration.path, headers: { 'content-type': 'application/json' }, payload: badMetadata });
      assert.equal(refusedRegistration.statusCode, 400);
      assert.equal(oauthErrorSchema.parse(refusedRegistration.json()).error, 'invalid_redirect_uri');
      const badParams = { ...saveParams, confidentiality: 'secretive' };
      assert.equal(saveDeveloperApplicationParams.safeParse(badParams).success, false);
      const refusedRpc = await admin('POST', ENDPOINTS.rpc.path, { body: { method: 'smartbox.portal.developer.rpc/save-developer-application', params: badParams } });
      assert.equal(refusedRpc.status, 422);
      assert.equal(refusedRpc.body.error.param, 'confidentiality');
      const badUser = { name: 'x', password: 'short' };
      assert.equal(ADMIN_SCHEMAS.User.safeParse(badUser).success, false);
      assert.equal((await admin('PUT', '/User/docs-user', { body: badUser })).status, 422);
    });

    it('the page: this server’s URLs, the demo clients in the sandbox, a copy button per example, and the scopes', async () => {
      const res = await sandbox.app.inject({ method: 'GET', url: ENDPOINTS.docs.path });
      assert.equal(res.statusCode, 200, res.body);
      assert.match(String(res.headers['content-type']), /^text\/html/);
      assert.match(String(res.headers['content-security-policy']), /default-src 'none'/);
      const page = res.body;
      for (const href of [`${TEST_BASE_URL}/fhir/metadata`, `${TEST_BASE_URL}/fhir/.well-known/smart-configuration`, `${TEST_BASE_URL}/.well-known/openid-configuration`, `${TEST_BASE_URL}/.well-known/jwks.json`, `${TEST_BASE_URL}${ENDPOINTS.openApi.path}`]) {
        assert.ok(page.includes(`href="${href}"`), href);
      }
      for (const id of ['rpc-save-application', 'register-client', 'rpc-get-launch-uri', 'token-authorization-code', 'token-client-credentials', 'debug-token-request', 'bulk-kick-off', 'token-refresh', 'introspect', 'revoke', 'userinfo-get']) {
        assert.ok(page.includes(`<button type="button" class="copy-button" data-copy="#${id}">Copy</button>`), id);
        assert.ok(example(page, id).includes(TEST_BASE_URL) || id.startsWith('bulk-status'), id);
      }
      assert.match(example(page, 'token-authorization-code'), /-u 'demo-confidential-app:demo-confidential-secret'/);
      // The demo app's redirect URI as registered: the sample app on this server.
      assert.ok(example(page, 'token-authorization-code').includes(encodeURIComponent(`${TEST_BASE_URL}/sample-app/`)) || example(page, 'token-authorization-code').includes(`${TEST_BASE_URL}/sample-app/`));
      assert.match(example(page, 'token-client-credentials'), /portico assertion --client demo-backend-app/);
      assert.match(example(page, 'rpc-get-launch-uri'), /-u 'root:secret'/);
      // In-page table of contents to every section.
      for (const id of ['getting-started', 'registration', 'ehr-launch', 'backend-services', 'scopes']) assert.ok(page.includes(`<a href="#${id}">`) && page.includes(`<h2 id="${id}">`), id);
      assert.ok(page.includes('<li><code>patient/*.rs</code></li>'));
      // The landing page links here.
      const landing = await sandbox.app.inject({ method: 'GET', url: '/' });
      assert.ok(landing.body.includes(`href="${TEST_BASE_URL}${ENDPOINTS.docs.path}"`));
    });

    it("an example from the page works as it is: the registration curl's request registers a client", async () => {
      const page = (await sandbox.app.inject({ method: 'GET', url: ENDPOINTS.docs.path })).body;
      const curl = example(page, 'register-client');
      const target = /curl -X POST '([^']+)'/.exec(curl)?.[1];
      const payload = /-d '([\s\S]+)'$/.exec(curl)?.[1];
      assert.ok(target && payload, curl);
      const res = await sandbox.app.inject({ method: 'POST', url: new URL(target).pathname, headers: { 'content-type': 'application/json' }, payload });
      assert.equal(res.statusCode, 201, res.body);
      assert.equal(clientInformationSchema.parse(res.json()).client_name, 'My Application');
    });

    it('in production: placeholders, no demo credentials, registration with an initial access token', async () => {
      const res = await production.app.inject({ method: 'GET', url: ENDPOINTS.docs.path });
      assert.equal(res.statusCode, 200, res.body);
      assert.doesNotMatch(res.body, /demo-|root:secret|badge|debug/);
      assert.match(example(res.body, 'rpc-save-application'), /-u '\$ADMIN_CLIENT_ID:\$ADMIN_CLIENT_SECRET'/);
      assert.match(example(res.body, 'register-client'), /Authorization: Bearer \$INITIAL_ACCESS_TOKEN/);
      assert.equal((await production.app.inject({ method: 'GET', url: ENDPOINTS.openApi.path })).json().servers[0].url, TEST_BASE_URL);
    });
  });
}
