import type { Client } from './client-repository.ts';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/**
 * Public client (SMART App Launch "public", RFC 6749 §2.1): cannot keep a secret, so it never has one
 * and must use PKCE. Decided from auth.authorization_code: `secret_required: false` makes it public;
 * without secret_required, `pkce: true` alone does too. Everything else is confidential.
 */
export function isPublicClient(client: Pick<Client, 'auth'>): boolean {
  const code = client.auth?.authorization_code;
  if (code?.secret_required === false) return true;
  return code?.secret_required === undefined && code?.pkce === true;
}

/** Authenticates at the token endpoint with a signed JWT (SMART Backend Services, RFC 7523). */
export function usesJwtAssertion(client: Pick<Client, 'auth' | 'type'>): boolean {
  return client.type === 'bulk-api-client' || (client.auth?.client_credentials?.client_assertion_types ?? []).includes(JWT_BEARER_ASSERTION);
}

/**
 * A confidential client that authenticates with a shared secret: every confidential client, except one
 * that only ever authenticates with a JWT assertion (no authorization_code grant).
 */
export function needsSecret(client: Pick<Client, 'auth' | 'type' | 'grant_types'>): boolean {
  if (isPublicClient(client)) return false;
  const assertionOnly = usesJwtAssertion(client) && !(client.grant_types ?? []).includes('authorization_code');
  return !assertionOnly;
}
