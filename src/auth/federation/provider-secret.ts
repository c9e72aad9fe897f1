import { SecretUnreadableError, type SecretCipher } from '../secrets/secret-cipher.ts';

/** An IdentityProvider's client_secret at rest: sealed under SECRETS_KEY for that provider (its id is the context). */
export interface ProviderSecrets {
  seal(providerId: string, secret: string): string;
  /** Throws SecretUnreadableError when no configured key opens it. */
  open(providerId: string, sealed: string): string;
}

export function createProviderSecrets(cipher: SecretCipher): ProviderSecrets {
  const contextOf = (providerId: string) => `IdentityProvider/${providerId}`;
  return {
    seal: (providerId, secret) => cipher.seal(secret, contextOf(providerId)),
    open: (providerId, sealed) => cipher.open(sealed, contextOf(providerId)),
  };
}

/** The sealed client secrets of the IdentityProviders, every tenant's (the storage port of a key rotation). */
export interface ProviderSecretStore {
  list(): Promise<{ providerId: string; sealed: string }[]>;
  /** Replaces a sealed secret while it is still `expected` (compare-and-swap); false when another write came first. */
  replace(providerId: string, expected: string, next: string): Promise<boolean>;
}

export interface ProviderResealResult {
  rekeyed: number;
  current: number;
  replacedMeanwhile: number;
  unreadable: { providerId: string; message: string }[];
}

/**
 * `portico secrets rekey` for IdentityProviders: every secret sealed under an older key is sealed again under the
 * current one, so that SECRETS_KEY_PREVIOUS can go without breaking a tenant's sign-in. Compare-and-swap per secret.
 */
export async function resealProviderSecrets(store: ProviderSecretStore, cipher: SecretCipher): Promise<ProviderResealResult> {
  const secrets = createProviderSecrets(cipher);
  const result: ProviderResealResult = { rekeyed: 0, current: 0, replacedMeanwhile: 0, unreadable: [] };
  for (const { providerId, sealed } of await store.list()) {
    let clear: string;
    try {
      clear = secrets.open(providerId, sealed);
    } catch (err) {
      if (!(err instanceof SecretUnreadableError)) throw err;
      result.unreadable.push({ providerId, message: err.message });
      continue;
    }
    if (cipher.keyIdOf(sealed) === cipher.keyId) {
      result.current++;
      continue;
    }
    if (await store.replace(providerId, sealed, secrets.seal(providerId, clear))) result.rekeyed++;
    else result.replacedMeanwhile++;
  }
  return result;
}
