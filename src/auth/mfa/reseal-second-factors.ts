import { SecretUnreadableError, type SecretCipher } from '../secrets/secret-cipher.ts';
import { sealContext } from './second-factor.ts';
import type { SecondFactorStore } from './second-factor-store.ts';

export interface SecondFactorResealResult {
  /** Sealed under an older key, now under the current one. */
  rekeyed: number;
  current: number;
  /** Replaced meanwhile (a new enrolment seals under the current key). */
  replacedMeanwhile: number;
  /** No configured key opens them: left as they are (their Users cannot present a code until it is configured again). */
  unreadable: { userId: string; message: string }[];
}

/**
 * `portico secrets rekey` for the administrators' TOTP secrets: each one sealed under an older key is sealed again
 * under SECRETS_KEY (compare-and-swap, as the client secrets are), so SECRETS_KEY_PREVIOUS can go.
 */
export async function resealSecondFactors(store: Pick<SecondFactorStore, 'listSealed' | 'replaceSealed'>, cipher: SecretCipher): Promise<SecondFactorResealResult> {
  const result: SecondFactorResealResult = { rekeyed: 0, current: 0, replacedMeanwhile: 0, unreadable: [] };
  for (const { userId, sealedSecret } of await store.listSealed()) {
    let clear: string;
    try {
      clear = cipher.open(sealedSecret, sealContext(userId));
    } catch (err) {
      if (!(err instanceof SecretUnreadableError)) throw err;
      result.unreadable.push({ userId, message: err.message });
      continue;
    }
    if (cipher.keyIdOf(sealedSecret) === cipher.keyId) {
      result.current++;
      continue;
    }
    if (await store.replaceSealed(userId, sealedSecret, cipher.seal(clear, sealContext(userId)))) result.rekeyed++;
    else result.replacedMeanwhile++;
  }
  return result;
}
