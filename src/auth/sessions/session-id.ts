import { createHash } from 'node:crypto';
import { randomToken } from '../../shared/random-token.ts';

/** A new session id: 256 random bits, base64url (OWASP: at least 64 bits of entropy). */
export function generateSessionId(): string {
  return randomToken(32);
}

/** What the database keeps instead of the id. */
export function hashSessionId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}
