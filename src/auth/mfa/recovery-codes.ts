import { createHash } from 'node:crypto';

/**
 * Recovery codes: the way in when the authenticator app is lost. Each is 16 characters of RFC 4648's Base32
 * alphabet (80 random bits), shown once in groups of four; only their SHA-256 is stored (random codes of 80 bits
 * need no slow hash), and each opens one session only.
 */
export const RECOVERY_CODE_COUNT = 10;
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
const CHARACTERS = 16;

/** A fresh code, `abcd-efgh-ijkl-mnop`; `randomBytes` is injectable (crypto.randomBytes in production). */
export function newRecoveryCode(randomBytes: (size: number) => Uint8Array): string {
  const bytes = randomBytes(CHARACTERS);
  // Each byte gives 5 bits: 256 is a multiple of 32, so every character is equally likely.
  const chars = [...bytes].map((b) => ALPHABET[b % 32] ?? 'a');
  return [0, 4, 8, 12].map((i) => chars.slice(i, i + 4).join('')).join('-');
}

/** What was typed, as it is hashed: case, spaces and hyphens do not matter. Undefined when it cannot be a code. */
export function normalRecoveryCode(typed: string): string | undefined {
  const code = typed.toLowerCase().replace(/[\s-]/g, '');
  return code.length === CHARACTERS && [...code].every((c) => ALPHABET.includes(c)) ? code : undefined;
}

/** The stored form of a normalised code. */
export function hashRecoveryCode(normal: string): string {
  return createHash('sha256').update(normal, 'utf8').digest('hex');
}
