import { compactVerify, decodeJwt, decodeProtectedHeader } from 'jose';
import type { SigningKeys } from '../keys/signing-keys.ts';
import { introspectAs, type IntrospectionResponse } from './introspection.ts';
import type { TokenDeps } from './token-deps.ts';

/** Whether a pasted JWT's signature is one of our keys': verified, wrong, or by a key we do not publish. */
export type SignatureStatus = 'verified' | 'invalid' | 'unknown-key';

export interface TokenInspection {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
  signature: SignatureStatus;
  /** RFC 7662: what a resource server (a `resource_server` Client) is told of it by our introspection. */
  introspection: IntrospectionResponse;
}

/** Not a compact JWS with a JSON header and payload: the form's field error. */
export class NotAJwt extends Error {}

const MAX_TOKEN_LENGTH = 16_384;

/**
 * The token inspector: a pasted JWT decoded (header and payload as they are, unverified), its signature checked
 * against our published keys by `kid` (JWKS), and introspection's answer as a resource server gets it. Nothing is
 * trusted for being decoded: the signature and introspection say what the token is worth.
 */
export async function inspectToken(token: string, deps: TokenDeps & { signingKeys: Pick<SigningKeys, 'verificationKey'> }): Promise<TokenInspection> {
  const jwt = token.trim();
  if (jwt.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(jwt)) {
    throw new NotAJwt('This is not a JWT: three base64url parts separated by dots (header.payload.signature).');
  }
  let header: Record<string, unknown>;
  let payload: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(jwt) as Record<string, unknown>;
    payload = decodeJwt(jwt) as Record<string, unknown>;
  } catch {
    throw new NotAJwt('This is not a JWT: its header or payload is not base64url-encoded JSON.');
  }
  return { header, payload, signature: await signatureStatus(jwt, header, deps.signingKeys), introspection: await introspectAs({ kind: 'resource-server' }, jwt, undefined, deps) };
}

async function signatureStatus(jwt: string, header: Record<string, unknown>, keys: Pick<SigningKeys, 'verificationKey'>): Promise<SignatureStatus> {
  const key = typeof header.kid === 'string' ? await keys.verificationKey(header.kid) : undefined;
  if (!key) return 'unknown-key';
  try {
    await compactVerify(jwt, key.key, { algorithms: [key.alg] });
    return 'verified';
  } catch {
    return 'invalid';
  }
}
