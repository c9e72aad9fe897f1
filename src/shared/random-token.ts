import { randomBytes } from 'node:crypto';

/** `bytes` random bytes, base64url (unpadded): an opaque token safe in URLs, headers and form bodies. */
export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}
