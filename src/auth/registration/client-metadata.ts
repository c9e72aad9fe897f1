import { z } from 'zod';
import type { AddressClass } from '../client-auth/jwks/address-class.ts';
import { jwksUriAddressProblem, keySetProblems } from '../clients/client-key-rules.ts';
import { MAX_CLIENT_NAME, MAX_METADATA_SCOPE, MAX_METADATA_STRING, MAX_REDIRECT_URIS } from '../registry/registry-limits.ts';
import { isHttpUrl, plainHttpRedirectProblem, redirectUriProblem } from '../registry/uri-rules.ts';
import { DEFAULT_APP_SCOPE, DEFAULT_AUTH_METHOD, DEFAULT_GRANT_TYPES, DEFAULT_RESPONSE_TYPES, DEFAULT_SYSTEM_SCOPE } from './registration-defaults.ts';
import { invalidMetadata, invalidRedirectUri } from './registration-error.ts';

export const AUTH_METHODS = ['none', 'client_secret_basic', 'client_secret_post', 'private_key_jwt'] as const;
export type AuthMethod = (typeof AUTH_METHODS)[number];
export const DCR_GRANT_TYPES = ['authorization_code', 'refresh_token', 'client_credentials'] as const;
export type DcrGrantType = (typeof DCR_GRANT_TYPES)[number];
const RESPONSE_TYPES = ['code'] as const;
const JWKS_SHAPE = 'jwks must be a JWK Set: {"keys": [ ... ]} with at least one key (RFC 7517 §5)';

/** Client metadata (RFC 7591 §2) after validation, with defaults filled in. */
export interface ClientMetadata {
  redirect_uris: string[];
  token_endpoint_auth_method: AuthMethod;
  grant_types: DcrGrantType[];
  response_types: string[];
  client_name?: string;
  client_uri?: string;
  logo_uri?: string;
  scope: string;
  contacts?: string[];
  tos_uri?: string;
  policy_uri?: string;
  jwks_uri?: string;
  jwks?: { keys: Record<string, unknown>[] };
  software_id?: string;
  software_version?: string;
  /** SMART's launch URL; `initiate_login_uri` (OIDC third-party login) is read as the same thing. */
  launch_uri?: string;
  initiate_login_uri?: string;
}

export interface MetadataRules {
  /** Production: http redirect URIs only on loopback (RFC 8252 §7.3); https elsewhere. */
  strictRedirectUris: boolean;
  /** Special-use address classes a jwks_uri may name besides public ones: the JWKS fetcher's. */
  jwksUriAddresses: ReadonlySet<AddressClass>;
}

type Json = Record<string, unknown>;

/** A metadata string (null is absent), at most `max` characters: RFC 7591 §2's members, with this server's limits. */
const text = (key: string, max = MAX_METADATA_STRING) => z.string(`${key} must be a string`).max(max, `${key} is longer than ${max} characters`).nullish();
const url = (key: string) =>
  z.string(`${key} must be a string`).max(MAX_METADATA_STRING, `${key} is longer than ${MAX_METADATA_STRING} characters`).refine(isHttpUrl, `${key} must be an absolute http(s) URL`).nullish();
const list = <T extends z.ZodType<string>>(key: string, item: T) => z.array(item, `${key} must be an array of strings`).nullish();
/** A string of `values` (RFC 7591 §2 lists), each refused with its own message. */
const oneOf = <const T extends readonly [string, ...string[]]>(key: string, values: T, unsupported: (value: string) => string) =>
  z.enum(values, {
    error: (issue) =>
      typeof issue.input !== 'string'
        ? `${key} must be an array of strings`
        : issue.input.length > MAX_METADATA_STRING
          ? `${key}: each must be at most ${MAX_METADATA_STRING} characters`
          : unsupported(issue.input),
  });

/**
 * The registration request's members as the endpoint parses them (RFC 7591 §2), in the order it reports their
 * problems. Unknown members are ignored (§2: "MUST ignore any client metadata ... it does not understand").
 */
export const clientMetadataSchema = z.looseObject(
  {
    token_endpoint_auth_method: z
      .enum(AUTH_METHODS, {
        error: (issue) =>
          typeof issue.input === 'string'
            ? `token_endpoint_auth_method "${issue.input}" is not supported; use one of ${AUTH_METHODS.join(', ')}`
            : 'token_endpoint_auth_method must be a string',
      })
      .nullish(),
    grant_types: list('grant_types', oneOf('grant_types', DCR_GRANT_TYPES, (g) => `grant_types: "${g}" is not supported; use ${DCR_GRANT_TYPES.join(', ')}`)),
    response_types: list('response_types', oneOf('response_types', RESPONSE_TYPES, (r) => `response_types: "${r}" is not supported; only code`)),
    redirect_uris: list(
      'redirect_uris',
      z.string('redirect_uris must be an array of strings').max(MAX_METADATA_STRING, `redirect_uris: each must be at most ${MAX_METADATA_STRING} characters`),
    ),
    jwks_uri: url('jwks_uri'),
    jwks: z
      .looseObject(
        { keys: z.array(z.looseObject({ kty: z.string() }), JWKS_SHAPE).min(1, JWKS_SHAPE) },
        JWKS_SHAPE,
      )
      .nullish(),
    scope: text('scope', MAX_METADATA_SCOPE),
    contacts: list('contacts', z.string('contacts must be an array of strings').max(MAX_METADATA_STRING, `contacts: each must be at most ${MAX_METADATA_STRING} characters`)),
    launch_uri: url('launch_uri'),
    initiate_login_uri: url('initiate_login_uri'),
    client_name: text('client_name', MAX_CLIENT_NAME),
    client_uri: url('client_uri'),
    logo_uri: url('logo_uri'),
    tos_uri: url('tos_uri'),
    policy_uri: url('policy_uri'),
    software_id: text('software_id'),
    software_version: text('software_version'),
  },
  'the body must be a JSON object of client metadata',
);

/**
 * Validates a registration request body per RFC 7591 §2 and §3.2.2 and fills in defaults: its shape by
 * `clientMetadataSchema`, then what the members mean together.
 */
export function parseClientMetadata(body: unknown, rules: MetadataRules): ClientMetadata {
  const input = parseShape(body);

  const method = input.token_endpoint_auth_method ?? DEFAULT_AUTH_METHOD;
  const grants = [...new Set(input.grant_types ?? DEFAULT_GRANT_TYPES)];
  const usesCode = grants.includes('authorization_code');
  if (grants.length === 1 && grants[0] === 'refresh_token') throw invalidMetadata('grant_types: refresh_token needs authorization_code');

  // A client without the code grant has no response type to default to (RFC 7591 §2.1).
  const responseTypes: string[] = input.response_types ?? (usesCode ? [...DEFAULT_RESPONSE_TYPES] : []);
  // RFC 7591 §2.1: grant_types and response_types must agree.
  if (usesCode && !responseTypes.includes('code')) throw invalidMetadata('grant_types has authorization_code, so response_types must include code (RFC 7591 §2.1)');
  if (!usesCode && responseTypes.includes('code')) throw invalidMetadata('response_types has code, so grant_types must include authorization_code (RFC 7591 §2.1)');
  if (method === 'none' && grants.includes('client_credentials')) {
    throw invalidMetadata('a client with token_endpoint_auth_method none cannot use client_credentials (RFC 6749 §4.4)');
  }

  const redirectUris = input.redirect_uris ?? [];
  if (redirectUris.length > MAX_REDIRECT_URIS) throw invalidRedirectUri(`redirect_uris: at most ${MAX_REDIRECT_URIS} redirect URIs`);
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri) ?? (rules.strictRedirectUris ? plainHttpRedirectProblem(uri) : undefined);
    if (problem) throw invalidRedirectUri(`redirect_uris: "${uri}" ${problem}`);
  }
  // No redirect URI is valid (seed 001's curl body): the client just cannot finish an authorization-code flow until one is added.

  const jwksUri = input.jwks_uri ?? undefined;
  if (jwksUri !== undefined && input.jwks != null) throw invalidMetadata('give jwks_uri or jwks, not both (RFC 7591 §2)');
  const addressProblem = jwksUri === undefined ? undefined : jwksUriAddressProblem(jwksUri, rules.jwksUriAddresses);
  if (addressProblem) throw invalidMetadata(`jwks_uri ${addressProblem}`);
  const jwks = input.jwks ?? undefined;
  if (jwks) {
    const problems = keySetProblems(jwks.keys);
    if (problems.length) throw invalidMetadata(problems.map((p) => `jwks.${p.path}: ${p.message}`).join('; '));
  }
  if (method === 'private_key_jwt' && jwksUri === undefined && jwks === undefined) {
    throw invalidMetadata('token_endpoint_auth_method private_key_jwt needs jwks_uri or jwks');
  }

  const scope = input.scope ?? undefined;
  const scopeTokens = scope === undefined ? (usesCode ? DEFAULT_APP_SCOPE : DEFAULT_SYSTEM_SCOPE) : scope.split(' ').filter(Boolean);
  for (const s of scopeTokens) {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)) throw invalidMetadata(`scope: "${s}" is not a valid scope token`);
  }

  const metadata: ClientMetadata = {
    redirect_uris: [...new Set(redirectUris)],
    token_endpoint_auth_method: method,
    grant_types: grants,
    response_types: [...new Set(responseTypes)],
    scope: scopeTokens.join(' '),
  };
  const optional: Partial<ClientMetadata> = {
    client_name: input.client_name ?? undefined,
    client_uri: input.client_uri ?? undefined,
    logo_uri: input.logo_uri ?? undefined,
    contacts: input.contacts ?? undefined,
    tos_uri: input.tos_uri ?? undefined,
    policy_uri: input.policy_uri ?? undefined,
    jwks_uri: jwksUri,
    jwks: jwks as ClientMetadata['jwks'],
    software_id: input.software_id ?? undefined,
    software_version: input.software_version ?? undefined,
    launch_uri: input.launch_uri ?? undefined,
    initiate_login_uri: input.initiate_login_uri ?? undefined,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (metadata as unknown as Json)[k] = v;
  return metadata;
}

/** The body's members by `clientMetadataSchema`, or RFC 7591 §3.2.2's error for the first problem. */
function parseShape(body: unknown): z.output<typeof clientMetadataSchema> {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidMetadata('the body must be a JSON object of client metadata');
  const parsed = clientMetadataSchema.safeParse(body);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  const [member, index] = issue?.path ?? [];
  if (member === 'jwks' && index === 'keys' && typeof issue?.path[2] === 'number') {
    throw invalidMetadata(`jwks.keys[${String(issue.path[2])}] must be a JWK with kty`);
  }
  const message = issue?.message ?? 'the client metadata is not valid';
  throw member === 'redirect_uris' ? invalidRedirectUri(message) : invalidMetadata(message);
}
