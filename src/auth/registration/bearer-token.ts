import { randomToken } from '../../shared/random-token.ts';

/** A fresh bearer token: 256 random bits, base64url. */
export function generateBearerToken(): string {
  return randomToken(32);
}

/** The token of an `Authorization: Bearer …` header (RFC 6750 §2.1); undefined when absent or another scheme. */
export function bearerToken(authorization: string | undefined): string | undefined {
  const match = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i.exec(authorization ?? '');
  return match?.[1];
}
