/** A Client's secret as stored (see client-secret.ts), for re-encryption in place. */
export interface StoredClientSecret {
  clientId: string;
  secret: string;
}

/** Storage port for re-encrypting Client secrets where they are; src/storage/auth implements it. */
export interface ClientSecretStore {
  /** Every Client that has a secret, with the secret as stored. */
  list(): Promise<StoredClientSecret[]>;
  /**
   * Replaces a Client's stored secret with `next` only if it is still `expected` (compare-and-swap: a
   * concurrent writer wins); true when replaced. Only the stored form changes, so the Client keeps its
   * version and lastUpdated.
   */
  replace(clientId: string, expected: string, next: string): Promise<boolean>;
}
