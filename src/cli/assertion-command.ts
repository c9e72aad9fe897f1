import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { importJWK, SignJWT, type JWK } from 'jose';
import { ASSERTION_ALGS, type AssertionAlg } from '../auth/client-auth/assertion-key.ts';
import { ASSERTION_MAX_LIFETIME_SECONDS } from '../auth/client-auth/methods/private-key-jwt.ts';
import { ConfigError, loadConfig } from '../config.ts';
import { ENDPOINTS } from '../endpoints.ts';
import { UsageError, type CliIo } from './cli-io.ts';
import { epochSeconds } from '../shared/time.ts';

const DEFAULT_LIFETIME_SECONDS = 240;

export const ASSERTION_USAGE = `Usage: portico assertion --client ID --key FILE [--aud URL] [--kid KID] [--alg ALG] [--expires-in S]

Prints a signed client assertion (RFC 7523, SMART Backend Services private_key_jwt) for a token request:
  curl -X POST "$BASE_URL${ENDPOINTS.token.path}" -d grant_type=client_credentials -d scope=system/Patient.rs \\
    -d client_assertion_type=urn:ietf:params:oauth:client-assertion-type:jwt-bearer \\
    -d client_assertion="$(portico assertion --client demo-backend-app --key data/demo-backend-app.private.jwk.json)"
Each assertion has a fresh jti and may be used once.

Options:
  --client ID        the client_id (the assertion's iss and sub)                        required
  --key FILE         the client's private key as a JWK (JSON)                           required
  --aud URL          the token endpoint URL                          default: $BASE_URL${ENDPOINTS.token.path}
  --kid KID          the key id in the header                          default: the JWK's kid
  --alg ALG          ${ASSERTION_ALGS.join(', ')}     default: the JWK's alg, else from its type
  --expires-in S     seconds until exp (1 .. ${ASSERTION_MAX_LIFETIME_SECONDS})                                  default: ${DEFAULT_LIFETIME_SECONDS}
  -h, --help         show this help
`;

/** `portico assertion`: prints one signed client assertion on stdout; returns the exit code. */
export async function assertionCommand(args: string[], io: CliIo): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args,
      strict: true,
      allowPositionals: false,
      options: {
        client: { type: 'string' },
        key: { type: 'string' },
        aud: { type: 'string' },
        kid: { type: 'string' },
        alg: { type: 'string' },
        'expires-in': { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err));
  }
  const v = parsed.values;
  if (v.help) {
    io.stdout.write(ASSERTION_USAGE);
    return 0;
  }
  if (!v.client) throw new UsageError('--client is required');
  if (!v.key) throw new UsageError('--key is required');
  const lifetime = v['expires-in'] ?? String(DEFAULT_LIFETIME_SECONDS);
  if (!/^\d+$/.test(lifetime) || Number(lifetime) < 1 || Number(lifetime) > ASSERTION_MAX_LIFETIME_SECONDS) {
    throw new UsageError(`--expires-in must be a whole number from 1 to ${ASSERTION_MAX_LIFETIME_SECONDS} (SMART: at most 5 minutes), not ${JSON.stringify(lifetime)}`);
  }
  const aud = v.aud ?? tokenEndpoint(io.env);
  // Said, because a server started with another BASE_URL (or a tenant's token endpoint) needs another aud.
  if (v.aud === undefined) io.stderr.write(`aud: ${aud} (from BASE_URL, HOST and PORT here; for another server or a tenant give its token endpoint with --aud)\n`);
  if (!/^https?:\/\/[^\s]+$/.test(aud)) throw new UsageError(`--aud must be the token endpoint's http(s) URL, not ${JSON.stringify(aud)}`);

  const jwk = await readPrivateJwk(v.key);
  const alg = v.alg ?? jwk.alg ?? defaultAlg(jwk);
  if (alg === undefined || !(ASSERTION_ALGS as readonly string[]).includes(alg)) {
    throw new UsageError(`--alg must be one of ${ASSERTION_ALGS.join(', ')}${alg === undefined ? ' (the key does not say)' : `, not ${JSON.stringify(alg)}`}`);
  }
  const kid = v.kid ?? jwk.kid;
  if (kid === undefined || kid === '') throw new UsageError('the key has no kid: give the one registered for it with --kid');

  let key;
  try {
    key = await importJWK({ ...jwk, alg }, alg);
  } catch (err) {
    throw new UsageError(`${v.key} is not a usable ${alg} private key (${err instanceof Error ? err.message : String(err)})`);
  }
  const nowSeconds = epochSeconds(io.now());
  // SMART Backend Services: iss = sub = client_id, aud = token URL, exp ≤ 5 min ahead, a fresh jti; no iat needed.
  const assertion = await new SignJWT({ iss: v.client, sub: v.client, aud, exp: nowSeconds + Number(lifetime), jti: randomUUID() })
    .setProtectedHeader({ alg: alg as AssertionAlg, kid, typ: 'JWT' })
    .sign(key);
  io.stdout.write(`${assertion}\n`);
  return 0;
}

/** The token endpoint's URL from the server's settings (BASE_URL, else HOST and PORT). */
function tokenEndpoint(env: CliIo['env']): string {
  try {
    return `${loadConfig(env).baseUrl}${ENDPOINTS.token.path}`;
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(`${err.message}\n(or give the token endpoint with --aud)`);
    throw err;
  }
}

async function readPrivateJwk(path: string): Promise<JWK> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read --key ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`--key ${path} is not JSON (a private JWK is expected)`);
  }
  const jwk = value as JWK | null;
  if (jwk === null || typeof jwk !== 'object' || Array.isArray(jwk) || typeof jwk.kty !== 'string') {
    throw new UsageError(`--key ${path} is not a JWK (no kty)`);
  }
  if (typeof jwk.d !== 'string') throw new UsageError(`--key ${path} is a public key; the private key (with "d") is needed to sign`);
  return jwk;
}

/** SMART Backend Services' two required algorithms for the key's type (ES256 for a P-256 key). */
function defaultAlg(jwk: JWK): string | undefined {
  if (jwk.kty === 'RSA') return 'RS384';
  if (jwk.kty === 'EC') return jwk.crv === 'P-384' ? 'ES384' : jwk.crv === 'P-256' ? 'ES256' : undefined;
  return undefined;
}
