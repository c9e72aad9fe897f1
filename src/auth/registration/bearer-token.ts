import { createHash, randomBytes } from 'node:crypto';

/** A fresh bearer token: 256 random bits, base64url. */
export function generateBearerToken(): string {
  return randomBytes(32).toString('base64url');
}

/**
 * Tokens are stored as SHA-256 hashes: they carry 256 random bits, so a fast hash is enough and
 * a stolen table cannot be replayed.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('base64url');
}

/** The token of an `Authorization: Bearer …` header (RFC 6750 §2.1); undefined when absent or another scheme. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization ?? '');
  return match?.[1];
}
