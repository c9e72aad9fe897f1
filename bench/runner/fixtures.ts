import { createHash, randomBytes } from 'node:crypto';
import { importJWK, SignJWT, type JWK } from 'jose';
import type { BenchFixtures } from './protocol.ts';

export const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';

/** `count` fresh client assertions (RFC 7523; SMART Backend Services), each with its own jti, for one audience. */
export async function signAssertions(backend: { clientId: string; alg: string; privateJwk: JWK }, audience: string, count: number): Promise<string[]> {
  const key = await importJWK(backend.privateJwk, backend.alg);
  const now = Math.floor(Date.now() / 1000);
  const out: string[] = [];
  for (let i = 0; i < count; i++) {
    out.push(
      await new SignJWT({})
        .setProtectedHeader({ alg: backend.alg, kid: String(backend.privateJwk.kid), typ: 'JWT' })
        .setIssuer(backend.clientId)
        .setSubject(backend.clientId)
        .setAudience(audience)
        .setJti(randomBytes(16).toString('base64url'))
        .setIssuedAt(now)
        .setExpirationTime(now + 290)
        .sign(key),
    );
  }
  return out;
}

export function clientCredentialsBody(assertion: string, scope: string): string {
  return new URLSearchParams({ grant_type: 'client_credentials', scope, client_assertion_type: ASSERTION_TYPE, client_assertion: assertion }).toString();
}

/**
 * Authorization codes through the real authorize endpoint: the signed-in session's browser cookie, a
 * first-party app (no consent page), PKCE S256. `parallel` requests at a time.
 */
export async function mintCodes(f: BenchFixtures, count: number, parallel = 16): Promise<{ code: string; verifier: string }[]> {
  const out: { code: string; verifier: string }[] = [];
  let left = count;
  const worker = async () => {
    while (left > 0) {
      left--;
      const verifier = randomBytes(32).toString('base64url');
      const params = new URLSearchParams({
        response_type: 'code',
        client_id: f.codeFlow.clientId,
        redirect_uri: f.codeFlow.redirectUri,
        scope: f.codeFlow.scope,
        state: randomBytes(8).toString('hex'),
        aud: f.fhirBase,
        code_challenge: createHash('sha256').update(verifier).digest('base64url'),
        code_challenge_method: 'S256',
      });
      const res = await fetch(`${f.portico}/auth/authorize?${params.toString()}`, { headers: { cookie: f.codeFlow.cookie }, redirect: 'manual' });
      const location = res.headers.get('location') ?? '';
      await res.arrayBuffer();
      const code = location ? new URL(location).searchParams.get('code') : null;
      if (!code) throw new Error(`the authorize endpoint gave no code (${res.status} ${location.slice(0, 200)})`);
      out.push({ code, verifier });
    }
  };
  await Promise.all(Array.from({ length: parallel }, worker));
  return out;
}

export const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)]!;
