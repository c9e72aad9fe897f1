import type { Client } from './client-repository.ts';

/**
 * Seconds an access token issued to this client for this grant lives: the Client's
 * `auth.<grant>.access_token_expiration` (seconds), or `fallback`, capped at the configured maximum
 * (ACCESS_TOKEN_MAX_LIFETIME) so a Client cannot ask for an unbounded token.
 */
export function accessTokenLifetime(
  client: Pick<Client, 'auth'>,
  grant: 'authorization_code' | 'client_credentials',
  settings: { maxLifetime: number; fallback?: number },
): number {
  const asked = client.auth?.[grant]?.access_token_expiration ?? settings.fallback ?? settings.maxLifetime;
  return Math.min(asked, settings.maxLifetime);
}
