import { isPublicClient } from '../../clients/client-kind.ts';
import { established, refuse, type AuthorizeStep } from '../authorize-step.ts';

/** A S256 challenge is base64url(SHA-256), unpadded: exactly 43 characters (RFC 7636 §4.2). */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

/**
 * RFC 7636 with S256 only (SMART App Launch 2.2 requires it; `plain` is refused, and a challenge without
 * a method would mean `plain`). Required of public clients and of clients configured with `pkce: true`.
 */
export const checkPkce: AuthorizeStep = {
  name: 'check-pkce',
  run(input, state) {
    const client = established(state.client, 'client');
    const { code_challenge: challenge, code_challenge_method: method } = input.params.values;
    const required = isPublicClient(client) || client.auth?.authorization_code?.pkce === true;
    if (challenge === undefined && method === undefined) {
      return required ? refuse(input, state, 'invalid_request', 'code_challenge and code_challenge_method=S256 are required (PKCE)') : undefined;
    }
    if (method !== 'S256') return refuse(input, state, 'invalid_request', 'code_challenge_method must be S256');
    if (challenge === undefined || !S256_CHALLENGE.test(challenge)) {
      return refuse(input, state, 'invalid_request', 'code_challenge must be the base64url SHA-256 of the verifier (43 characters)');
    }
    return undefined;
  },
};
