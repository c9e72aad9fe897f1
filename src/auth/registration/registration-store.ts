import type { ClientRepository } from '../clients/client-repository.ts';

/** Persistence port for registration access tokens and initial access tokens; only hashes are stored. */
export interface InitialAccessTokenRecord {
  /** Who asked for it: `root` for the root client, `User/<id>` for a developer. */
  issuedTo: string;
  expiresAt: Date;
}

export interface RegistrationStore {
  /** The hash of the client's current registration access token. */
  accessTokenHash(clientId: string): Promise<string | undefined>;
  /** Sets (or replaces, on rotation) the client's registration access token hash. */
  putAccessTokenHash(clientId: string, hash: string, at: Date): Promise<void>;
  /** Replaces the hash only if it is still `expected` (compare-and-swap); false when another request rotated it first. */
  rotateAccessTokenHash(clientId: string, expected: string, hash: string, at: Date): Promise<boolean>;
  deleteRegistration(clientId: string): Promise<void>;
  addInitialAccessToken(hash: string, record: InitialAccessTokenRecord & { issuedAt: Date }): Promise<void>;
  /** Undefined too once the developer it was issued to was deactivated or deleted (reactivating them does not bring it back). */
  initialAccessToken(hash: string): Promise<InitialAccessTokenRecord | undefined>;
}

/** What one registration request (RFC 7591 register, RFC 7592 update or delete) writes: a Client and its registration. */
export interface RegistrationWrites {
  clients: Pick<ClientRepository, 'getForUpdate' | 'put' | 'delete'>;
  store: Pick<RegistrationStore, 'putAccessTokenHash' | 'rotateAccessTokenHash' | 'deleteRegistration'>;
}

/**
 * Runs `work` with writes bound to one transaction: a Client and its registration access token are written together
 * or not at all (a storage fault leaves neither a Client nobody can manage nor a token rotated and never delivered).
 */
export type RegistrationUnit = <T>(work: (writes: RegistrationWrites) => Promise<T>) => Promise<T>;
