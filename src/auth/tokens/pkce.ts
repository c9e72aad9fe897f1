import { createHash } from 'node:crypto';
import { secretsEqual } from '../secret-compare.ts';

/** RFC 7636 §4.1: 43–128 characters of ALPHA / DIGIT / "-" / "." / "_" / "~". */
const VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

/**
 * Why a code_verifier does not prove possession of the S256 challenge, or undefined when it does
 * (RFC 7636 §4.6). `plain` is never supported, so the challenge itself sent as verifier fails.
 */
export function pkceProblem(challenge: string, verifier: string | undefined): string | undefined {
  if (verifier === undefined || verifier === '') return 'code_verifier is required (the authorization request used PKCE)';
  if (!VERIFIER.test(verifier)) return 'code_verifier must be 43-128 characters of A-Z a-z 0-9 - . _ ~ (RFC 7636 §4.1)';
  const computed = createHash('sha256').update(verifier, 'ascii').digest('base64url');
  return secretsEqual(computed, challenge) ? undefined : 'code_verifier does not match the code_challenge (S256)';
}
