import { z } from 'zod';
import type { AddressClass } from '../client-auth/jwks/address-class.ts';
import { MAX_REDIRECT_URIS } from '../registry/registry-limits.ts';
import { isHttpUrl, plainHttpRedirectProblem, redirectUriProblem } from '../registry/uri-rules.ts';
import { Problems } from '../registry/validation-error.ts';
import { jwksUriAddressProblem, keySetProblems } from './client-key-rules.ts';
import { CLIENT_STATUSES, CLIENT_TYPES, GRANT_TYPES, type Client, type GrantType } from './client-repository.ts';
import { isPublicClient, JWT_BEARER_ASSERTION, needsSecret, usesJwtAssertion } from './client-kind.ts';
import type { ClientSecrets } from './client-secret.ts';

/** Lifetimes are seconds; this bound only rejects nonsense, the configured maximum caps at issuance. */
const MAX_SECONDS = 10 * 366 * 24 * 3600;
/** A review note is a few sentences for the developer, not a document. */
export const MAX_REVIEW_NOTE = 2000;
const TENANT_PATTERN = /^[A-Za-z0-9._~-]{1,64}$/;

const httpUrl = z.string().refine(isHttpUrl, 'must be an absolute http(s) URL');
const seconds = z.number().int('must be a whole number of seconds').positive().max(MAX_SECONDS);
const tokenFormat = z.literal('jwt', 'must be "jwt" (the only token format issued)');

/** A Client as the admin API and the developer RPC parse it (before the rules validateClient adds). */
export const clientSchema = z.strictObject({
  resourceType: z.literal('Client', 'must be "Client"').optional(),
  id: z.string().optional(),
  meta: z.looseObject({ _tenant: z.string().regex(TENANT_PATTERN, 'must be 1-64 letters, digits, ".", "_", "~" or "-"').optional() }).optional(),
  type: z.enum(CLIENT_TYPES, `must be one of ${CLIENT_TYPES.join(', ')}`).optional(),
  active: z.boolean().optional(),
  secret: z.string().min(1).max(512).optional(),
  grant_types: z.array(z.string()).optional(),
  auth: z
    .strictObject({
      authorization_code: z
        .strictObject({
          redirect_uri: z.string().optional(),
          redirect_uris: z.array(z.string()).max(MAX_REDIRECT_URIS, `at most ${MAX_REDIRECT_URIS} redirect URIs`).optional(),
          pkce: z.boolean().optional(),
          refresh_token: z.boolean().optional(),
          secret_required: z.boolean().optional(),
          access_token_expiration: seconds.optional(),
          refresh_token_expiration: seconds.optional(),
          token_format: tokenFormat.optional(),
        })
        .optional(),
      client_credentials: z
        .strictObject({
          client_assertion_types: z.array(z.literal(JWT_BEARER_ASSERTION, `must be ${JWT_BEARER_ASSERTION}`)).optional(),
          access_token_expiration: seconds.optional(),
          token_format: tokenFormat.optional(),
        })
        .optional(),
    })
    .optional(),
  smart: z.strictObject({ launch_uri: httpUrl.optional() }).optional(),
  scope: z.union([z.string(), z.array(z.string())], 'must be a space-separated string or an array of strings').optional(),
  jwks_uri: httpUrl.optional(),
  jwks: z.looseObject({ keys: z.array(z.looseObject({ kty: z.string() })) }).optional(),
  name: z.string().max(256).optional(),
  description: z.string().max(4096).optional(),
  details: z.record(z.string(), z.string()).optional(),
  first_party: z.boolean().optional(),
  resource_server: z.boolean().optional(),
  status: z.enum(CLIENT_STATUSES, `must be one of ${CLIENT_STATUSES.join(', ')}`).optional(),
  review: z.strictObject({ note: z.string().max(MAX_REVIEW_NOTE, `at most ${MAX_REVIEW_NOTE} characters`).optional(), at: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time' }).optional() }).optional(),
  owner: z.string().regex(/^User\/[A-Za-z0-9._~-]{1,128}$/, 'must be a reference User/<id>').optional(),
  /** Reserved for dynamic client registration's own metadata (RFC 7591); not checked here. */
  registration: z.record(z.string(), z.unknown()).optional(),
});

export interface ClientInputContext {
  /** The id the client will be stored under (the URL's on PUT, a new one on create): its secret is encrypted for it. */
  id: string;
  /** The stored version a PUT replaces: its secret is kept when the body has none. */
  previous?: Client;
  newSecret: () => string;
  /** Special-use address classes a jwks_uri may name besides public ones (the JWKS fetcher's); none when absent. */
  jwksUriAddresses?: ReadonlySet<AddressClass>;
  /**
   * Production's rule of RFC 7591 registration: a redirect URI over plain http only on loopback. Set where the
   * writer is not an operator (the developer RPC); the admin API's root and policy-admitted callers may register
   * any redirect URI the other rules allow.
   */
  strictRedirectUris?: boolean;
  /** Encrypts a clear secret into the form a Client stores. */
  secrets: Pick<ClientSecrets, 'seal'>;
}

/**
 * Validates a Client as sent to the admin API or built by RPC and returns it normalised, as stored:
 * `code` stored as `authorization_code`, scope as an array, a secret generated for a confidential
 * client that has none, the secret encrypted. Throws a 422 FhirError naming every field at fault.
 */
export function validateClient(input: unknown, context: ClientInputContext): Client {
  const problems = new Problems('Client');
  const body = problems.parseBody(clientSchema, input);
  const { id: _ignoredId, meta, grant_types, scope, ...rest } = body;
  const client: Client = { ...rest, resourceType: 'Client' } as Client;
  client.id = context.id;
  if (meta) {
    // versionId/lastUpdated are the server's; everything else in meta is kept.
    const { versionId: _v, lastUpdated: _l, ...keep } = meta;
    if (Object.keys(keep).length) client.meta = keep;
  }
  if (grant_types) client.grant_types = normaliseGrantTypes(grant_types, problems);
  if (scope !== undefined) client.scope = normaliseScope(scope, problems);

  const redirectProblem = (uri: string) => redirectUriProblem(uri) ?? (context.strictRedirectUris ? plainHttpRedirectProblem(uri) : undefined);
  const code = client.auth?.authorization_code;
  if (code?.redirect_uri !== undefined) {
    const problem = redirectProblem(code.redirect_uri);
    if (problem) problems.add('auth.authorization_code.redirect_uri', problem);
  }
  code?.redirect_uris?.forEach((uri, i) => {
    const problem = redirectProblem(uri);
    if (problem) problems.add(`auth.authorization_code.redirect_uris[${i}]`, problem);
  });
  // A code-grant client without a redirect_uri is valid; the authorize endpoint refuses it until one is added.
  for (const [key, value] of Object.entries(body.details ?? {})) {
    if (/[-_](uri|url)$/i.test(key) && !isHttpUrl(value)) problems.add(`details.${key}`, 'must be an absolute http(s) URL');
  }
  checkRegisteredRedirectUris(body.registration, redirectProblem, problems);
  if (client.jwks_uri !== undefined && client.jwks !== undefined) {
    problems.add('jwks', 'give jwks_uri or jwks, not both (RFC 7591 §2)');
  }
  for (const problem of keySetProblems(client.jwks?.keys ?? [])) problems.add(`jwks.${problem.path}`, problem.message);
  const addressProblem = client.jwks_uri === undefined ? undefined : jwksUriAddressProblem(client.jwks_uri, context.jwksUriAddresses ?? new Set());
  if (addressProblem) problems.add('jwks_uri', addressProblem);
  if (usesJwtAssertion(client) && client.jwks_uri === undefined && client.jwks === undefined) {
    problems.add('jwks_uri', 'a client authenticating with a JWT assertion needs jwks_uri or jwks', 'required');
  }

  const isPublic = isPublicClient(client);
  if (isPublic && client.secret !== undefined) {
    problems.add('secret', 'a public client (secret_required false, or pkce without secret_required) must not have a secret');
  }
  if (isPublic && client.grant_types?.includes('client_credentials')) {
    problems.add('grant_types', 'a public client cannot use client_credentials (RFC 6749 §4.4)');
  }
  if (isPublic && client.resource_server === true) {
    problems.add('resource_server', 'a public client cannot authenticate, so it cannot introspect tokens as a resource server');
  }
  if (isPublic && code?.pkce === false) {
    problems.add('auth.authorization_code.pkce', 'a public client must use PKCE');
  }
  problems.throwIfAny();

  // A secret in the body is given in clear and stored encrypted; the previous version's is stored so already.
  if (client.secret !== undefined) client.secret = context.secrets.seal(context.id, client.secret);
  else if (needsSecret(client)) client.secret = context.previous?.secret ?? context.secrets.seal(context.id, context.newSecret());
  return client;
}

/**
 * A dynamic registration's redirect URIs (RFC 7591 metadata kept under `registration`) are matched at the
 * authorize endpoint like the Client's own, so an admin edit of them meets the same rules.
 */
function checkRegisteredRedirectUris(registration: Record<string, unknown> | undefined, redirectProblem: (uri: string) => string | undefined, problems: Problems): void {
  const uris = registration?.redirect_uris;
  if (uris === undefined) return;
  if (!Array.isArray(uris) || !uris.every((u): u is string => typeof u === 'string')) {
    problems.add('registration.redirect_uris', 'must be an array of strings');
    return;
  }
  if (uris.length > MAX_REDIRECT_URIS) problems.add('registration.redirect_uris', `at most ${MAX_REDIRECT_URIS} redirect URIs`);
  uris.forEach((uri, i) => {
    const problem = redirectProblem(uri);
    if (problem) problems.add(`registration.redirect_uris[${i}]`, problem);
  });
}

function normaliseGrantTypes(values: string[], problems: Problems): GrantType[] {
  const out: GrantType[] = [];
  values.forEach((value, i) => {
    // Aidbox's Client accepts `code` for the authorization code grant.
    const grant = value === 'code' ? 'authorization_code' : value;
    if (!(GRANT_TYPES as readonly string[]).includes(grant)) {
      problems.add(`grant_types[${i}]`, `unknown grant type "${value}"; use ${GRANT_TYPES.join(', ')} (or code)`);
    } else if (!out.includes(grant as GrantType)) out.push(grant as GrantType);
  });
  return out;
}

function normaliseScope(scope: string | string[], problems: Problems): string[] {
  const list = typeof scope === 'string' ? scope.split(' ').filter(Boolean) : scope;
  list.forEach((s, i) => {
    // RFC 6749 §3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E )
    if (!/^[\x21\x23-\x5B\x5D-\x7E]+$/.test(s)) problems.add(`scope[${i}]`, `"${s}" is not a valid scope token`);
  });
  return list;
}
