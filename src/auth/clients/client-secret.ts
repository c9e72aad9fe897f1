import { randomBytes } from 'node:crypto';
import { secretsEqual } from '../secret-compare.ts';

/** A fresh client secret: 256 random bits, base64url (43 characters). */
export function generateClientSecret(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * The token endpoint's (and admin API's) secret check: constant time, and the same work whether or
 * not the client exists or has a secret, so timing reveals neither.
 */
export function clientSecretMatches(client: { secret?: string } | undefined, given: string): boolean {
  const ok = secretsEqual(given, client?.secret ?? '');
  return ok && client?.secret !== undefined && client.secret !== '';
}
