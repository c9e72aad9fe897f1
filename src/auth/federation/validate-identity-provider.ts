import { z } from 'zod';
import { Problems } from '../registry/validation-error.ts';
import type { IdentityProvider, StoredIdentityProvider } from './identity-provider.ts';

const CLAIM = z.string().regex(/^[A-Za-z0-9_.:-]{1,128}$/, 'must be a claim name');
const ROLE = z.string().regex(/^[A-Za-z][A-Za-z0-9_-]{0,63}$/, 'must be a role name such as admin or developer');

/** The mapping of an upstream's claims to a User, as the admin API parses it. */
const mappingSchema = z.strictObject({
  user_claim: CLAIM.optional(),
  fhirUser: z
    .discriminatedUnion('type', [
      z.strictObject({ type: z.literal('claim'), claim: CLAIM }),
      z.strictObject({
        type: z.literal('identifier'),
        claim: CLAIM,
        system: z.string().min(1).max(1024),
        resourceType: z.enum(['Practitioner', 'Patient', 'RelatedPerson', 'Person'], 'must be Practitioner, Patient, RelatedPerson or Person'),
      }),
      z.strictObject({ type: z.literal('none') }),
    ])
    .optional(),
  roles: z.strictObject({ claim: CLAIM, values: z.record(z.string().min(1).max(256), ROLE) }).optional(),
  provisioning: z.enum(['jit', 'existing-only'], 'must be jit or existing-only').optional(),
});

/** An IdentityProvider as the admin API parses it. `redirect_uri` is the server's (read-only): accepted and ignored. */
export const identityProviderSchema = z.strictObject({
  resourceType: z.literal('IdentityProvider', 'must be "IdentityProvider"').optional(),
  id: z.string().optional(),
  meta: z.looseObject({}).optional(),
  title: z.string('must be the text of its sign-in button').trim().min(1, 'must not be empty').max(128),
  issuer: z.url('must be the issuer URL').max(2048),
  client_id: z.string().min(1).max(512),
  client_secret: z.string().min(1).max(1024).optional(),
  token_endpoint_auth_method: z.enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt'], 'must be client_secret_basic, client_secret_post or private_key_jwt').optional(),
  scopes: z.array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]{1,128}$/, 'must be a scope token')).max(50).optional(),
  active: z.boolean().optional(),
  mapping: mappingSchema.optional(),
  redirect_uri: z.string().optional(),
});

export interface IdentityProviderInputContext {
  id: string;
  /** The stored version a PUT replaces: its sealed secret is kept when the body has none. */
  previous?: StoredIdentityProvider;
  /** Seals a clear secret for this provider's id. */
  seal: (id: string, secret: string) => string;
  /** Sandbox mode: an `http://` issuer on the loopback interface is allowed (for local upstreams); otherwise https only. */
  allowLoopbackHttp: boolean;
}

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * Validates an IdentityProvider as sent to the admin API: `openid` among the scopes, an https issuer (OpenID Connect
 * Discovery §3: the issuer is an https URL without query or fragment), a secret for the secret-based methods, the
 * mapping's defaults filled in (`sub`, no fhirUser, `existing-only`). Throws a 422 naming every field at fault.
 */
export function validateIdentityProvider(input: unknown, context: IdentityProviderInputContext): IdentityProvider {
  const problems = new Problems('IdentityProvider');
  const { id: _id, redirect_uri: _redirect, client_secret, token_endpoint_auth_method, scopes, active, mapping, meta, ...rest } = problems.parseBody(identityProviderSchema, input);
  const issuer = new URL(rest.issuer);
  const loopbackHttp = issuer.protocol === 'http:' && LOOPBACK_HOSTS.has(issuer.hostname);
  if (issuer.protocol !== 'https:' && !(loopbackHttp && context.allowLoopbackHttp)) {
    problems.add('issuer', context.allowLoopbackHttp ? 'must be an https URL (or http on 127.0.0.1 in sandbox mode)' : 'must be an https URL');
  }
  if (issuer.search || issuer.hash || issuer.username || issuer.password) problems.add('issuer', 'must not carry a query, fragment or credentials');
  const method = token_endpoint_auth_method ?? 'client_secret_basic';
  const keptSecret = context.previous?.token_endpoint_auth_method !== 'private_key_jwt' ? context.previous?.client_secret : undefined;
  if (method === 'private_key_jwt' && client_secret !== undefined) {
    problems.add('client_secret', 'must be absent with private_key_jwt (Portico signs its assertion with its own keys, published at its JWKS)');
  }
  if (method !== 'private_key_jwt' && client_secret === undefined && keptSecret === undefined) {
    problems.add('client_secret', `is required with ${method}`, 'required');
  }
  const chosenScopes = scopes ?? ['openid', 'email', 'profile'];
  if (!chosenScopes.includes('openid')) problems.add('scopes', 'must include openid');
  problems.throwIfAny();

  const keep = meta ? Object.fromEntries(Object.entries(meta).filter(([key]) => key !== 'versionId' && key !== 'lastUpdated')) : undefined;
  return {
    resourceType: 'IdentityProvider',
    id: context.id,
    ...(keep && Object.keys(keep).length ? { meta: keep } : {}),
    ...rest,
    token_endpoint_auth_method: method,
    ...(method === 'private_key_jwt' ? {} : { client_secret: client_secret !== undefined ? context.seal(context.id, client_secret) : (keptSecret as string) }),
    scopes: [...new Set(chosenScopes)],
    active: active ?? true,
    mapping: {
      user_claim: mapping?.user_claim ?? 'sub',
      fhirUser: mapping?.fhirUser ?? { type: 'none' },
      ...(mapping?.roles ? { roles: mapping.roles } : {}),
      provisioning: mapping?.provisioning ?? 'existing-only',
    },
  };
}
