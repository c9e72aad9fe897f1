import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** The demo backend client's signing key: the private JWK (for the file) and its public half (for the Client). */
export interface DemoKeyPair {
  privateJwk: JWK;
  publicJwk: JWK;
}

/** SMART Backend Services: servers must accept RS384 and ES384; ES384 keys are small. */
export const DEMO_BACKEND_ALG = 'ES384';

/** A fresh ES384 key pair, `kid` = its RFC 7638 thumbprint, `alg`/`use` set on both halves. */
export async function generateDemoKeyPair(): Promise<DemoKeyPair> {
  const { privateKey, publicKey } = await generateKeyPair(DEMO_BACKEND_ALG, { extractable: true });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const meta = { kid, alg: DEMO_BACKEND_ALG, use: 'sig' };
  return { privateJwk: { ...(await exportJWK(privateKey)), ...meta }, publicJwk: { ...publicJwk, ...meta } };
}

/** Where the demo backend client's private key is kept: a file in DATA_DIR, or nowhere (in-memory data). */
export interface DemoKeyFile {
  /** The absolute path; undefined when DATA_DIR is not a directory (e.g. PGlite's `memory://`). */
  path: string | undefined;
  /** The private JWK in the file, or undefined when there is none (or it is not a JWK). */
  read(): Promise<JWK | undefined>;
  /** Writes the private JWK, readable by the owner only (mode 0600). */
  write(privateJwk: JWK): Promise<void>;
}

export const DEMO_BACKEND_KEY_FILE = 'demo-backend-app.private.jwk.json';

/**
 * The key file in `dataDir` (also for DATABASE_URL deployments: DATA_DIR is this host's own directory).
 * A `scheme://` DATA_DIR (PGlite's in-memory or browser stores) has no file: the key is then not kept.
 */
export function createDemoKeyFile(dataDir: string): DemoKeyFile {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(dataDir)) {
    return { path: undefined, read: async () => undefined, write: async () => {} };
  }
  const path = resolve(dataDir, DEMO_BACKEND_KEY_FILE);
  return {
    path,
    async read() {
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch {
        return undefined;
      }
      try {
        const value: unknown = JSON.parse(text);
        return value !== null && typeof value === 'object' && !Array.isArray(value) && typeof (value as JWK).kty === 'string' ? (value as JWK) : undefined;
      } catch {
        return undefined;
      }
    },
    async write(privateJwk) {
      // Written whole under a temporary name, then renamed: a reader never sees half a key.
      const temporary = `${path}.${process.pid}.tmp`;
      // With DATABASE_URL nothing else creates DATA_DIR.
      await mkdir(dirname(path), { recursive: true, mode: 0o700 });
      await writeFile(temporary, `${JSON.stringify(privateJwk, null, 2)}\n`, { mode: 0o600 });
      await chmod(temporary, 0o600);
      await rename(temporary, path);
    },
  };
}
