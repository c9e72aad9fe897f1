import { createHash, randomBytes } from 'node:crypto';

/** A new session id: 256 random bits, base64url (OWASP: at least 64 bits of entropy). */
export function generateSessionId(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database keeps instead of the id. */
export function hashSessionId(id: string): string {
  return createHash('sha256').update(id, 'utf8').digest('hex');
}
