import { createHash } from 'node:crypto';

/**
 * Tokens are stored as SHA-256 hashes: they carry 256 random bits, so a fast hash is enough and
 * a stolen table cannot be replayed.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}
