import { SecretUnreadableError } from '../secrets/secret-cipher.ts';
import type { ClientSecrets, UnreadableClientSecret } from './client-secret.ts';
import type { ClientSecretStore } from './client-secret-store.ts';

export interface ResealResult {
  /** Clear-text secrets (stored before secrets were encrypted) now encrypted under the current key. */
  encrypted: number;
  /** Secrets encrypted under an older key, now under the current one. */
  rekeyed: number;
  /** Secrets already encrypted under the current key. */
  current: number;
  /** Secrets another writer replaced while this ran (that write encrypted them). */
  replacedMeanwhile: number;
  /** Secrets no configured key decrypts: left as they are. */
  unreadable: UnreadableClientSecret[];
}

export interface ResealOptions {
  /**
   * Also re-encrypt under the current key what an older key encrypted, and check that every secret
   * decrypts (`portico secrets rekey`). Without it only clear text is encrypted (every start).
   */
  rekey: boolean;
}

/**
 * Encrypts in place every Client secret stored in clear text (by a version before secrets were
 * encrypted), and with `rekey` moves every secret to the current key. Every write is a compare-and-swap
 * on the stored value, so processes starting together on one database encrypt each secret once, and a
 * secret changed meanwhile (an admin's PUT, a rotation: both encrypt) is left to that change. Idempotent.
 */
export async function resealClientSecrets(store: ClientSecretStore, secrets: ClientSecrets, options: ResealOptions): Promise<ResealResult> {
  const result: ResealResult = { encrypted: 0, rekeyed: 0, current: 0, replacedMeanwhile: 0, unreadable: [] };
  for (const { clientId, secret: stored } of await store.list()) {
    const form = secrets.form(stored);
    if (form === 'current-key' && !options.rekey) {
      result.current++;
      continue;
    }
    if (form === 'other-key' && !options.rekey) continue;
    let clear = stored;
    if (form !== 'clear') {
      try {
        clear = secrets.open(clientId, stored);
      } catch (err) {
        if (!(err instanceof SecretUnreadableError)) throw err;
        result.unreadable.push({ clientId, reason: err.reason, ...(err.keyId !== undefined ? { keyId: err.keyId } : {}), message: err.message });
        continue;
      }
      if (form === 'current-key') {
        result.current++;
        continue;
      }
    }
    if (!(await store.replace(clientId, stored, secrets.seal(clientId, clear)))) result.replacedMeanwhile++;
    else if (form === 'clear') result.encrypted++;
    else result.rekeyed++;
  }
  return result;
}
