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

/**
 * Validates a registration request body per RFC 7591 §2 and §3.2.2 and fills in defaults.
 * Unknown members are ignored (§2: "MUST ignore any client metadata ... it does not understand").
 */
export function parseClientMetadata(body: unknown, rules: MetadataRules): ClientMetadata {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidMetadata('the body must be a JSON object of client metadata');
  const input = body as Json;

  const method = optionalString(input, 'token_endpoint_auth_method') ?? DEFAULT_AUTH_METHOD;
  if (!(AUTH_METHODS as readonly string[]).includes(method)) {
    throw invalidMetadata(`token_endpoint_auth_method "${method}" is not supported; use one of ${AUTH_METHODS.join(', ')}`);
  }
  const grantTypes = stringList(input, 'grant_types') ?? [...DEFAULT_GRANT_TYPES];
  for (const g of grantTypes) {
    if (!(DCR_GRANT_TYPES as readonly string[]).includes(g)) {
      throw invalidMetadata(`grant_types: "${g}" is not supported; use ${DCR_GRANT_TYPES.join(', ')}`);
    }
  }
  const grants = [...new Set(grantTypes)] as DcrGrantType[];
  const usesCode = grants.includes('authorization_code');
  if (grants.length === 1 && grants[0] === 'refresh_token') throw invalidMetadata('grant_types: refresh_token needs authorization_code');

  // A client without the code grant has no response type to default to (RFC 7591 §2.1).
  const responseTypes = stringList(input, 'response_types') ?? (usesCode ? [...DEFAULT_RESPONSE_TYPES] : []);
  for (const r of responseTypes) {
    if (!(RESPONSE_TYPES as readonly string[]).includes(r)) throw invalidMetadata(`response_types: "${r}" is not supported; only code`);
  }
  // RFC 7591 §2.1: grant_types and response_types must agree.
  if (usesCode && !responseTypes.includes('code')) throw invalidMetadata('grant_types has authorization_code, so response_types must include code (RFC 7591 §2.1)');
  if (!usesCode && responseTypes.includes('code')) throw invalidMetadata('response_types has code, so grant_types must include authorization_code (RFC 7591 §2.1)');
  if (method === 'none' && grants.includes('client_credentials')) {
    throw invalidMetadata('a client with token_endpoint_auth_method none cannot use client_credentials (RFC 6749 §4.4)');
  }

  const redirectUris = stringList(input, 'redirect_uris', invalidRedirectUri) ?? [];
  if (redirectUris.length > MAX_REDIRECT_URIS) throw invalidRedirectUri(`redirect_uris: at most ${MAX_REDIRECT_URIS} redirect URIs`);
  for (const uri of redirectUris) {
    const problem = redirectUriProblem(uri) ?? (rules.strictRedirectUris ? plainHttpRedirectProblem(uri) : undefined);
    if (problem) throw invalidRedirectUri(`redirect_uris: "${uri}" ${problem}`);
  }
  // No redirect URI is valid (seed 001's curl body): the client just cannot finish an authorization-code flow until one is added.

  const jwksUri = optionalUrl(input, 'jwks_uri');
  if (jwksUri !== undefined && input.jwks !== undefined && input.jwks !== null) throw invalidMetadata('give jwks_uri or jwks, not both (RFC 7591 §2)');
  const addressProblem = jwksUri === undefined ? undefined : jwksUriAddressProblem(jwksUri, rules.jwksUriAddresses);
  if (addressProblem) throw invalidMetadata(`jwks_uri ${addressProblem}`);
  const jwks = optionalJwks(input);
  if (method === 'private_key_jwt' && jwksUri === undefined && jwks === undefined) {
    throw invalidMetadata('token_endpoint_auth_method private_key_jwt needs jwks_uri or jwks');
  }

  const scope = optionalString(input, 'scope', MAX_METADATA_SCOPE);
  const scopeTokens = scope === undefined ? (usesCode ? DEFAULT_APP_SCOPE : DEFAULT_SYSTEM_SCOPE) : scope.split(' ').filter(Boolean);
  for (const s of scopeTokens) {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)) throw invalidMetadata(`scope: "${s}" is not a valid scope token`);
  }

  const contacts = stringList(input, 'contacts');
  const launchUri = optionalUrl(input, 'launch_uri');
  const initiateLoginUri = optionalUrl(input, 'initiate_login_uri');
  const metadata: ClientMetadata = {
    redirect_uris: [...new Set(redirectUris)],
    token_endpoint_auth_method: method as AuthMethod,
    grant_types: grants,
    response_types: [...new Set(responseTypes)],
    scope: scopeTokens.join(' '),
  };
  const optional: Partial<ClientMetadata> = {
    client_name: optionalString(input, 'client_name', MAX_CLIENT_NAME),
    client_uri: optionalUrl(input, 'client_uri'),
    logo_uri: optionalUrl(input, 'logo_uri'),
    contacts,
    tos_uri: optionalUrl(input, 'tos_uri'),
    policy_uri: optionalUrl(input, 'policy_uri'),
    jwks_uri: jwksUri,
    jwks,
    software_id: optionalString(input, 'software_id'),
    software_version: optionalString(input, 'software_version'),
    launch_uri: launchUri,
    initiate_login_uri: initiateLoginUri,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== undefined) (metadata as unknown as Json)[k] = v;
  return metadata;
}

function optionalString(input: Json, key: string, maxLength = MAX_METADATA_STRING): string | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidMetadata(`${key} must be a string`);
  if (v.length > maxLength) throw invalidMetadata(`${key} is longer than ${maxLength} characters`);
  return v;
}

function optionalUrl(input: Json, key: string): string | undefined {
  const v = optionalString(input, key);
  if (v !== undefined && !isHttpUrl(v)) throw invalidMetadata(`${key} must be an absolute http(s) URL`);
  return v;
}

function stringList(input: Json, key: string, fail = invalidMetadata): string[] | undefined {
  const v = input[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v) || !v.every((x): x is string => typeof x === 'string')) throw fail(`${key} must be an array of strings`);
  if (v.some((x) => x.length > MAX_METADATA_STRING)) throw fail(`${key}: each must be at most ${MAX_METADATA_STRING} characters`);
  return v;
}

function optionalJwks(input: Json): ClientMetadata['jwks'] {
  const v = input.jwks;
  if (v === undefined || v === null) return undefined;
  const keys = (v as Json | undefined)?.keys;
  if (typeof v !== 'object' || Array.isArray(v) || !Array.isArray(keys) || keys.length === 0) {
    throw invalidMetadata('jwks must be a JWK Set: {"keys": [ ... ]} with at least one key (RFC 7517 §5)');
  }
  keys.forEach((key: unknown, i) => {
    if (!key || typeof key !== 'object' || typeof (key as Json).kty !== 'string') throw invalidMetadata(`jwks.keys[${i}] must be a JWK with kty`);
  });
  const problems = keySetProblems(keys as Json[]);
  if (problems.length) throw invalidMetadata(problems.map((p) => `jwks.${p.path}: ${p.message}`).join('; '));
  return v as ClientMetadata['jwks'];
}
