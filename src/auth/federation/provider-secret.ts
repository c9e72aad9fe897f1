import type { SecretCipher } from '../secrets/secret-cipher.ts';

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
