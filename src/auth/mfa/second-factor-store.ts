/** A User's TOTP second factor as stored: the secret sealed (src/auth/secrets), pending until confirmed. */
export interface SecondFactorRecord {
  userId: string;
  /** The Base32 secret, sealed for this User (SecretCipher, context `second-factor:<userId>`). */
  sealedSecret: string;
  createdAt: Date;
  /** When a first valid code confirmed it; absent: enrolment still pending, it does not count. */
  enrolledAt?: Date;
  /** The highest time step accepted (RFC 6238 §5.2): no code of it or an earlier one is accepted again. */
  lastTimeStep?: number;
}

/** The storage port (src/storage/auth/second-factor-store.ts, migration 024). */
export interface SecondFactorStore {
  get(userId: string): Promise<SecondFactorRecord | undefined>;
  /** Stores a pending secret unless the User has one already (pending or enrolled): the first one stays. */
  savePending(userId: string, sealedSecret: string, at: Date): Promise<void>;
  /**
   * Confirms the pending secret, recording `timeStep` as accepted and the recovery codes' hashes, in one statement;
   * false when there is no pending secret (enrolled meanwhile, or none).
   */
  confirm(userId: string, timeStep: number, at: Date, recoveryCodeHashes: readonly string[]): Promise<boolean>;
  /** Accepts `timeStep` when it is later than every one accepted before (atomic); false otherwise. */
  acceptTimeStep(userId: string, timeStep: number): Promise<boolean>;
  /** Whether this hash is one of the User's unspent recovery codes. */
  hasRecoveryCode(userId: string, codeHash: string): Promise<boolean>;
  /** Spends the code (atomic): false when it was spent meanwhile or is none. */
  spendRecoveryCode(userId: string, codeHash: string, at: Date): Promise<boolean>;
  recoveryCodesLeft(userId: string): Promise<number>;
  /**
   * Removes the User's second factor (secret and recovery codes) and the mark of every session of theirs that had
   * presented it, in one statement: those sessions must present a factor again (enrolling anew). False when there was none.
   */
  reset(userId: string): Promise<boolean>;
  /** Every stored secret, sealed (`portico secrets rekey`). */
  listSealed(): Promise<{ userId: string; sealedSecret: string }[]>;
  /** Replaces a sealed secret only while it is still `previous` (compare-and-swap); false when it changed meanwhile. */
  replaceSealed(userId: string, previous: string, next: string): Promise<boolean>;
}
