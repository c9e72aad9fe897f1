import type { JWK } from 'jose';
import type { SigningAlg } from './signing-algorithms.ts';

/** A key's bookkeeping row, without key material: cheap to list on every refresh. */
export interface SigningKeyState {
  kid: string;
  alg: SigningAlg;
  createdAt: Date;
  retiredAt: Date | undefined;
  /** Insertion order: the highest per alg is the active key (timestamps can tie). */
  seq: number;
}

export interface StoredSigningKey extends SigningKeyState {
  /** Public members only (kty, n, e, crv, x, y). */
  publicJwk: JWK;
  privateJwk: JWK;
}

export interface NewSigningKey {
  kid: string;
  alg: SigningAlg;
  publicJwk: JWK;
  privateJwk: JWK;
  createdAt: Date;
}

/** Persistence port for signing keys; src/storage/keys implements it. */
export interface SigningKeyStore {
  list(): Promise<SigningKeyState[]>;
  read(kids: readonly string[]): Promise<StoredSigningKey[]>;
  /**
   * Runs fn while holding a lock shared by every process on the database, so that two
   * processes starting together (or a rotation racing a start) never both create keys.
   */
  locked<T>(fn: (keys: LockedSigningKeyStore) => Promise<T>): Promise<T>;
}

export interface LockedSigningKeyStore {
  list(): Promise<SigningKeyState[]>;
  insert(key: NewSigningKey): Promise<void>;
  /** Marks a key retired; false when no such kid. */
  retire(kid: string, at: Date): Promise<boolean>;
}
