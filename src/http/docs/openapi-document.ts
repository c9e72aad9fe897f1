import { z } from 'zod';
import { ENDPOINTS } from '../../endpoints.ts';
import { ADMIN_KINDS, ADMIN_SCHEMAS } from '../../auth/admin/registry-admin.ts';
import { clientMetadataSchema } from '../../auth/registration/client-metadata.ts';
import { clientInformationSchema, initialAccessTokenSchema } from '../../auth/registration/registration-response.ts';
import { getLaunchUriParams, GET_LAUNCH_URI, launchUriResultSchema } from '../../auth/rpc/get-launch-uri.ts';
import { rpcRequestSchema } from '../../auth/rpc/rpc-params.ts';
import { SAVE_DEVELOPER_APPLICATION, saveDeveloperApplicationParams } from '../../auth/rpc/save-developer-application.ts';
import { clientSchema } from '../../auth/clients/validate-client.ts';
import { GRANT_HANDLERS } from '../../auth/tokens/token-endpoint.ts';
import { introspectionRequestSchema, revocationRequestSchema } from '../../auth/tokens/token-request-schemas.ts';
import { introspectionResponseSchema, oauthErrorSchema, tokenResponseSchema } from '../../auth/tokens/token-response.ts';

/** What the document says of this server beyond its schemas. */
export interface OpenApiSettings {
  baseUrl: string;
  /** The scopes discovery publishes (`scopes_supported`), offered by the OAuth 2.0 security scheme. */
  scopes: readonly string[];
}

/** The RPC methods the document describes, each with the schema of its params and result. */
export const DOCUMENTED_RPC_METHODS = [
  { method: SAVE_DEVELOPER_APPLICATION, params: saveDeveloperApplicationParams, result: clientSchema, summary: "Create a patient-facing SMART app Client (seed 000's developer portal form)" },
  { method: GET_LAUNCH_URI, params: getLaunchUriParams, result: launchUriResultSchema, summary: 'Mint an EHR launch for a Client, User and context (seed 002)' },
] as const;

/** A zod schema as OpenAPI 3.1's JSON Schema (draft 2020-12): what a request may send, or what a response holds. */
export function jsonSchema(schema: z.ZodType, io: 'input' | 'output' = 'input'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' });
  return rest;
}

type Operation = Record<string, unknown>;
const json = (schema: Record<string, unknown>) => ({ 'application/json': { schema } });
const answer = (description: string, schema?: Record<string, unknown>) => (schema ? { description, content: json(schema) } : { description });
const oauthError = (description: string) => answer(description, jsonSchema(oauthErrorSchema, 'output'));
/** The token side reads form bodies (RFC 6749 §3.2), and JSON objects of strings as seed 002 sends them. */
const formOrJson = (schema: Record<string, unknown>) => ({ required: true, content: { 'application/x-www-form-urlencoded': { schema }, 'application/json': { schema } } });
const yamlOrJson = (schema: Record<string, unknown>) => ({ required: true, content: { 'application/json': { schema }, 'text/yaml': { schema } } });
const OPERATION_OUTCOME = { type: 'object', properties: { resourceType: { const: 'OperationOutcome' }, issue: { type: 'array', items: { type: 'object' } } }, required: ['resourceType', 'issue'] };
const RPC_ERROR = { type: 'object', properties: { error: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] } }, required: ['error'] };
const ANY_OBJECT = { type: 'object' };
const idParameter = (name: string) => ({ name, in: 'path', required: true, schema: { type: 'string' } });

/**
 * The OpenAPI 3.1 document of the authorization server's HTTP APIs: the OAuth endpoints, RFC 7591/7592 registration,
 * the admin API and the RPC. Paths come from ENDPOINTS (and the admin kinds); every request schema is the zod schema
 * the server parses that request with, every response schema the one the tests hold real answers to. Built once:
 * it depends only on the configuration.
 */
export function buildOpenApiDocument(settings: OpenApiSettings): Record<string, unknown> {
  const url = (path: string) => `${settings.baseUrl}${path}`;
  const scopes = Object.fromEntries(settings.scopes.map((scope) => [scope, '']));
  const systemScopes = Object.fromEntries(settings.scopes.filter((scope) => scope.startsWith('system/')).map((scope) => [scope, '']));
  const tokenRequest = { oneOf: [...GRANT_HANDLERS.values()].map((handler) => jsonSchema(handler.requestSchema)) };
  const clientAuth = [{}, { basic: [] }];

  const paths: Record<string, Record<string, Operation>> = {
    [ENDPOINTS.health.path]: { get: { tags: ['server'], summary: 'Whether the server is up', responses: { 200: answer('Up') } } },
    [ENDPOINTS.ready.path]: { get: { tags: ['server'], summary: 'Whether the server takes work now (database reachable, not overloaded)', responses: { 200: answer('Ready'), 503: answer('Overloaded or database unreachable') } } },
    [ENDPOINTS.smartConfiguration.path]: { get: { tags: ['discovery'], summary: 'SMART configuration (SMART App Launch 2.2.0 §"Conformance")', responses: { 200: answer('The document', ANY_OBJECT) } } },
    [ENDPOINTS.fhirSmartConfiguration.path]: { get: { tags: ['discovery'], summary: 'SMART configuration at the FHIR base', responses: { 200: answer('The document', ANY_OBJECT) } } },
    [ENDPOINTS.openidConfiguration.path]: { get: { tags: ['discovery'], summary: 'OpenID Connect discovery (OIDC Discovery 1.0 §4)', responses: { 200: answer('The document', ANY_OBJECT) } } },
    [ENDPOINTS.jwks.path]: { get: { tags: ['discovery'], summary: "The keys this server's tokens are signed with (RFC 7517)", responses: { 200: answer('A JWK Set', ANY_OBJECT) } } },
    [ENDPOINTS.authorization.path]: {
      get: {
        tags: ['oauth'],
        summary: 'Authorization endpoint (RFC 6749 §4.1.1, SMART App Launch): a browser page, not an API',
        description: 'Opened in a browser with response_type=code, client_id, redirect_uri, scope, state, aud, code_challenge and code_challenge_method=S256 (and launch for an EHR launch); answers by redirecting to redirect_uri with code, state and iss.',
        security: [],
        responses: { 302: answer('Redirect to the app, or to the sign-in page'), 200: answer('A sign-in, picker or consent page (HTML)') },
      },
    },
    [ENDPOINTS.token.path]: {
      post: {
        tags: ['oauth'],
        summary: 'Token endpoint (RFC 6749 §3.2): authorization_code, refresh_token, client_credentials',
        security: clientAuth,
        requestBody: formOrJson(tokenRequest),
        responses: { 200: answer('Tokens (RFC 6749 §5.1 with SMART launch context)', jsonSchema(tokenResponseSchema, 'output')), 400: oauthError('RFC 6749 §5.2 error'), 401: oauthError('invalid_client') },
      },
    },
    [ENDPOINTS.introspection.path]: {
      post: {
        tags: ['oauth'],
        summary: 'Token introspection (RFC 7662): the root client and resource servers any token, other confidential clients their own',
        security: clientAuth,
        requestBody: formOrJson(jsonSchema(introspectionRequestSchema)),
        responses: { 200: answer('Active with its claims, or exactly {"active": false}', jsonSchema(introspectionResponseSchema, 'output')), 401: oauthError('invalid_client') },
      },
    },
    [ENDPOINTS.revocation.path]: {
      post: {
        tags: ['oauth'],
        summary: "Token revocation (RFC 7009): revokes the token's whole grant",
        security: clientAuth,
        requestBody: formOrJson(jsonSchema(revocationRequestSchema)),
        responses: { 200: answer('Revoked, or unknown (RFC 7009 §2.2)'), 400: oauthError('invalid_request'), 401: oauthError('invalid_client') },
      },
    },
    [ENDPOINTS.userinfo.path]: {
      get: { tags: ['oauth'], summary: 'UserInfo (OIDC Core §5.3) for an openid access token', security: [{ bearer: [] }], responses: { 200: answer('Claims', ANY_OBJECT), 401: oauthError('invalid_token') } },
      post: { tags: ['oauth'], summary: 'UserInfo (OIDC Core §5.3) for an openid access token', security: [{ bearer: [] }], responses: { 200: answer('Claims', ANY_OBJECT), 401: oauthError('invalid_token') } },
    },
    [ENDPOINTS.initialAccessToken.path]: {
      post: {
        tags: ['registration'],
        summary: 'An initial access token for dynamic registration (RFC 7591 §3): the root client or a developer',
        security: [{ basic: [] }],
        responses: { 201: answer('The token', jsonSchema(initialAccessTokenSchema, 'output')), 401: oauthError('invalid_client') },
      },
    },
    [ENDPOINTS.rpc.path]: {
      post: {
        tags: ['rpc'],
        summary: 'Aidbox-style RPC: { method, params } → { result }',
        description: `The envelope is ${JSON.stringify(jsonSchema(rpcRequestSchema))}; each method's params are described below.`,
        security: [{ basic: [] }],
        requestBody: yamlOrJson({
          oneOf: DOCUMENTED_RPC_METHODS.map((m) => ({
            title: m.method,
            description: m.summary,
            type: 'object',
            properties: { method: { const: m.method }, params: jsonSchema(m.params) },
            required: ['method', 'params'],
          })),
        }),
        responses: {
          200: answer('{ result }', { oneOf: DOCUMENTED_RPC_METHODS.map((m) => ({ title: m.method, type: 'object', properties: { result: jsonSchema(m.result, 'output') }, required: ['result'] })) }),
          401: answer('Not authenticated', RPC_ERROR),
          403: answer('No AccessPolicy allows the method', RPC_ERROR),
          422: answer('Params refused: { error: { message, param } }', RPC_ERROR),
        },
      },
    },
  };

  for (const base of [ENDPOINTS.registration.path, ENDPOINTS.s4sRegistration.path]) {
    const information = answer('Client information (RFC 7591 §3.2.1)', jsonSchema(clientInformationSchema, 'output'));
    const management = [{ bearer: [] }];
    paths[base] = {
      post: {
        tags: ['registration'],
        summary: 'Dynamic client registration (RFC 7591): open in the sandbox, with an initial access token in production',
        security: [{}, { bearer: [] }],
        requestBody: { required: true, content: json(jsonSchema(clientMetadataSchema)) },
        responses: { 201: information, 400: oauthError('invalid_client_metadata or invalid_redirect_uri'), 401: oauthError('invalid_token') },
      },
    };
    paths[`${base}/{client_id}`] = {
      get: { tags: ['registration'], summary: 'Read a registration (RFC 7592 §2.1); rotates the registration access token', security: management, parameters: [idParameter('client_id')], responses: { 200: information, 401: oauthError('invalid_token') } },
      put: {
        tags: ['registration'],
        summary: 'Replace a registration (RFC 7592 §2.2)',
        security: management,
        parameters: [idParameter('client_id')],
        requestBody: { required: true, content: json(jsonSchema(clientMetadataSchema)) },
        responses: { 200: information, 400: oauthError('invalid_client_metadata'), 401: oauthError('invalid_token') },
      },
      delete: { tags: ['registration'], summary: 'Delete a registration (RFC 7592 §2.3)', security: management, parameters: [idParameter('client_id')], responses: { 204: answer('Deleted'), 401: oauthError('invalid_token') } },
    };
  }

  for (const kind of ADMIN_KINDS) {
    const resource = ADMIN_SCHEMAS[kind];
    const stored = answer(kind, jsonSchema(resource, 'output'));
    const refused = answer('OperationOutcome', OPERATION_OUTCOME);
    const admin = { tags: ['admin'], security: [{ basic: [] }] };
    paths[`/${kind}`] = {
      get: { ...admin, summary: `List ${kind} resources (a searchset Bundle; _count, _page)`, responses: { 200: answer('Bundle', ANY_OBJECT), 401: refused, 403: refused } },
      post: { ...admin, summary: `Create a ${kind}`, requestBody: yamlOrJson(jsonSchema(resource)), responses: { 201: stored, 401: refused, 403: refused, 422: refused } },
    };
    paths[`/${kind}/{id}`] = {
      get: { ...admin, summary: `Read a ${kind}`, parameters: [idParameter('id')], responses: { 200: stored, 404: refused } },
      put: { ...admin, summary: `Create or replace a ${kind}`, parameters: [idParameter('id')], requestBody: yamlOrJson(jsonSchema(resource)), responses: { 200: stored, 201: stored, 422: refused } },
      delete: { ...admin, summary: `Delete a ${kind}`, parameters: [idParameter('id')], responses: { 200: stored, 404: refused } },
    };
  }
  paths['/Client/{id}/$rotate-secret'] = {
    post: { tags: ['admin'], summary: "A new secret for a confidential Client: the root client or the Client's owner", security: [{ basic: [] }], parameters: [idParameter('id')], responses: { 200: answer('The Client with its new secret', ANY_OBJECT), 403: answer('OperationOutcome', OPERATION_OUTCOME) } },
  };

  return {
    openapi: '3.1.1',
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    info: {
      title: 'Portico: SMART on FHIR authorization server',
      version: '1',
      description: `OAuth 2.0 / SMART App Launch endpoints, dynamic client registration, the registry's admin API and RPC. The FHIR API itself is described by its CapabilityStatement: ${url(`${ENDPOINTS.fhir.path}/metadata`)}.`,
    },
    servers: [{ url: settings.baseUrl }],
    tags: [
      { name: 'discovery' },
      { name: 'oauth' },
      { name: 'registration' },
      { name: 'admin', description: 'The registry (Aidbox-style REST): the root client, or a Client an AccessPolicy allows' },
      { name: 'rpc' },
      { name: 'server' },
    ],
    paths,
    components: {
      securitySchemes: {
        basic: { type: 'http', scheme: 'basic', description: 'The root client (ADMIN_CLIENT_ID / ADMIN_CLIENT_SECRET), a developer (email and password), or a client with client_secret_basic' },
        bearer: { type: 'http', scheme: 'bearer', description: 'An access token, or an initial / registration access token at the registration endpoints' },
        smart: {
          type: 'oauth2',
          flows: {
            authorizationCode: { authorizationUrl: url(ENDPOINTS.authorization.path), tokenUrl: url(ENDPOINTS.token.path), refreshUrl: url(ENDPOINTS.token.path), scopes },
            clientCredentials: { tokenUrl: url(ENDPOINTS.token.path), scopes: systemScopes },
          },
        },
      },
    },
  };
}
