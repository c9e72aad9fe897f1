import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Secrets at rest: AES-256-GCM (NIST SP 800-38D) under a 32-byte key. The stored form names its own
 * format and key, so older keys keep opening what they sealed until it is sealed again:
 *
 *   v1.<key id>.<iv>.<ciphertext>.<tag>
 *
 * key id: the first 4 bytes of SHA-256(key), hex; iv: 12 random bytes; tag: 16 bytes; each base64url.
 * The caller's `context` is the additional authenticated data: a value sealed for one context (one
 * Client) does not open in another, so a ciphertext copied to another row is refused.
 */
const FORMAT = 'v1';
const SEALED = /^v1\.([0-9a-f]{8})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]*)\.([A-Za-z0-9_-]{22})$/;
const ALGORITHM = 'aes-256-gcm';
export const SECRET_KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretCipherOptions {
  /** New values are sealed under this key. */
  key: Uint8Array;
  /** Older keys: what they sealed still opens. */
  previousKeys?: readonly Uint8Array[];
  /** 12 random bytes per sealed value (NIST SP 800-38D §8.2.2); injectable. */
  randomIv?: () => Uint8Array;
}

/** Why a stored value does not open. */
export type UnreadableReason = 'not-sealed' | 'unknown-key' | 'not-authentic';

export class SecretUnreadableError extends Error {
  constructor(
    readonly reason: UnreadableReason,
    /** The key id the value names (absent when it is not in the sealed form). */
    readonly keyId: string | undefined,
    message: string,
  ) {
    super(message);
    this.name = 'SecretUnreadableError';
  }
}

export interface SecretCipher {
  /** The id of the key new values are sealed under. */
  readonly keyId: string;
  seal(plaintext: string, context: string): string;
  /** The plaintext; throws SecretUnreadableError when no configured key opens it for this context. */
  open(sealed: string, context: string): string;
  /** The key id a stored value names, or undefined when it is not in the sealed form (clear text). */
  keyIdOf(stored: string): string | undefined;
}

/** The key id of a key: the first 4 bytes of its SHA-256, hex (names the key without revealing it). */
export function secretKeyId(key: Uint8Array): string {
  return createHash('sha256').update(key).digest().subarray(0, 4).toString('hex');
}

export function createSecretCipher(options: SecretCipherOptions): SecretCipher {
  const randomIv = options.randomIv ?? (() => randomBytes(IV_BYTES));
  const keys = [options.key, ...(options.previousKeys ?? [])].map((key) => {
    if (key.length !== SECRET_KEY_BYTES) throw new Error(`a secrets key must be ${SECRET_KEY_BYTES} bytes, not ${key.length}`);
    return { id: secretKeyId(key), key: Buffer.from(key) };
  });
  const keyId = secretKeyId(options.key);

  return {
    keyId,

    seal(plaintext, context) {
      const iv = Buffer.from(randomIv());
      if (iv.length !== IV_BYTES) throw new Error(`the IV must be ${IV_BYTES} bytes`);
      const cipher = createCipheriv(ALGORITHM, Buffer.from(options.key), iv, { authTagLength: TAG_BYTES });
      cipher.setAAD(Buffer.from(context, 'utf8'));
      const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      const parts = [iv, ciphertext, cipher.getAuthTag()].map((part) => part.toString('base64url'));
      return [FORMAT, keyId, ...parts].join('.');
    },

    open(sealed, context) {
      const match = SEALED.exec(sealed);
      if (!match) throw new SecretUnreadableError('not-sealed', undefined, 'the stored value is not an encrypted secret');
      const [, id = '', iv = '', ciphertext = '', tag = ''] = match;
      // Key ids are 4 bytes: two keys could share one, so each candidate is tried.
      const candidates = keys.filter((k) => k.id === id);
      if (candidates.length === 0) {
        throw new SecretUnreadableError('unknown-key', id, `it was encrypted under key ${id}, which is neither SECRETS_KEY nor one of SECRETS_KEY_PREVIOUS`);
      }
      for (const candidate of candidates) {
        const decipher = createDecipheriv(ALGORITHM, candidate.key, Buffer.from(iv, 'base64url'), { authTagLength: TAG_BYTES });
        decipher.setAAD(Buffer.from(context, 'utf8'));
        decipher.setAuthTag(Buffer.from(tag, 'base64url'));
        try {
          return Buffer.concat([decipher.update(Buffer.from(ciphertext, 'base64url')), decipher.final()]).toString('utf8');
        } catch {
          // The tag does not verify under this key for this context: the next candidate, if any.
        }
      }
      throw new SecretUnreadableError('not-authentic', id, `it does not decrypt under key ${id} for ${context} (altered, or copied from another record)`);
    },

    keyIdOf(stored) {
      return SEALED.exec(stored)?.[1];
    },
  };
}
