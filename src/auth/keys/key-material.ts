import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import type { SigningAlg } from './signing-algorithms.ts';
import type { NewSigningKey } from './signing-key-store.ts';

/** The members of a public RSA or EC JWK (RFC 7518 §6.2.1, §6.3.1); everything else is dropped. */
const PUBLIC_MEMBERS = ['kty', 'n', 'e', 'crv', 'x', 'y'] as const;

export function publicMembers(jwk: JWK): JWK {
  const out: JWK = {};
  for (const m of PUBLIC_MEMBERS) if (jwk[m] !== undefined) out[m] = jwk[m];
  return out;
}

/** Generates a fresh key pair; the kid is its RFC 7638 thumbprint, so it is unique and stable. */
export async function generateSigningKey(alg: SigningAlg, createdAt: Date): Promise<NewSigningKey> {
  // 2048-bit RSA (RFC 7518 §3.3 minimum) and the curve the alg names for EC.
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = publicMembers(await exportJWK(publicKey));
  const privateJwk = await exportJWK(privateKey);
  const kid = await calculateJwkThumbprint(publicJwk, 'sha256');
  return { kid, alg, publicJwk, privateJwk, createdAt };
}
