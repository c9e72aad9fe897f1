import { Secret, TOTP } from 'otpauth';

/**
 * TOTP (RFC 6238) as authenticator apps know it: HMAC-SHA-1, 6 digits, 30-second steps (RFC 6238 §4, the defaults
 * every app reads from an otpauth URI), a 20-byte secret (RFC 4226 §4 R6: at least 128 bits, 160 recommended).
 */
const PERIOD_SECONDS = 30;
export const TOTP_SECRET_BYTES = 20;
/** One step either side of now: a clock a little off, or a code typed as it turned (RFC 6238 §5.2). */
const WINDOW = 1;

/** The Base32 form of a secret (what an app's manual entry takes). */
export function totpSecretOf(bytes: Uint8Array): string {
  return new Secret({ buffer: Uint8Array.from(bytes).buffer }).base32;
}

/** The otpauth:// URI an authenticator app scans: the issuer names the server, the label the account. */
export function totpUri(secretBase32: string, issuer: string, account: string): string {
  return new TOTP({ issuer, label: account, secret: Secret.fromBase32(secretBase32), period: PERIOD_SECONDS }).toString();
}

/**
 * The time step a code is valid for at `at`, within one step either side; undefined when it is none of them.
 * The caller refuses a step it accepted before (RFC 6238 §5.2).
 */
export function totpStepOf(secretBase32: string, code: string, at: Date): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  const timestamp = at.getTime();
  const delta = TOTP.validate({ token: code, secret: Secret.fromBase32(secretBase32), period: PERIOD_SECONDS, timestamp, window: WINDOW });
  return delta === null ? undefined : TOTP.counter({ period: PERIOD_SECONDS, timestamp }) + delta;
}
