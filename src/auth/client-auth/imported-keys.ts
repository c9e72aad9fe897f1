import { importJWK, type CryptoKey, type JWK } from 'jose';

/**
 * Registered client keys, imported once: importing a JWK (an EC point check, an RSA key parse) costs
 * about as much as verifying a signature, and the same few keys sign every assertion. Keyed by the
 * key's own members and alg, so a rotated or edited key is simply a new entry; bounded (oldest out).
 */
export interface ImportedKeys {
  import(jwk: JWK, alg: string): Promise<CryptoKey>;
}

export function createImportedKeys(maxEntries = 1000): ImportedKeys {
  const cache = new Map<string, Promise<CryptoKey>>();
  return {
    import(jwk, alg) {
      const id = `${alg}\n${JSON.stringify(jwk)}`;
      const hit = cache.get(id);
      if (hit) return hit;
      const imported = importJWK(jwk, alg) as Promise<CryptoKey>;
      // A key that fails to import is not remembered (the caller reports it; the registration may change).
      imported.catch(() => cache.delete(id));
      cache.set(id, imported);
      if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
      return imported;
    },
  };
}
