import type { Grant, GrantStatus } from './grant.ts';

/** A stored grant and whether it no longer stands. */
export interface StoredGrant {
  grant: Grant;
  /** Revoked, or ended with its Client or User: deactivated or deleted since it was made (reactivation brings nothing back). */
  revoked: boolean;
}

/** A user's grant as the authorized-apps page lists it. */
export interface UserGrant {
  grant: Grant;
  /** When the grant was stored (its code redeemed). */
  createdAt: Date;
}

/**
 * Storage port for grants: every token points at one, and revoking it ends them all. A grant stands only while its
 * Client, and its User if any, exist and stay active: deactivating or deleting either ends all their grants at once.
 */
export interface GrantStore extends GrantStatus {
  /**
   * Stores a new grant (a code's grant is stored when the code is redeemed). False, and nothing stored, when its
   * Client or User is missing or inactive, or was deactivated since its code was issued, or the id is taken (revoked).
   */
  save(grant: Grant, now: Date): Promise<boolean>;
  get(id: string): Promise<StoredGrant | undefined>;
  /** Idempotent. An unknown id is recorded as revoked, so a grant saved later under it stays dead. */
  revoke(id: string, now: Date): Promise<void>;
  /**
   * The user's grants that still give access at `now`: standing (see StoredGrant.revoked), with an unexpired access
   * token or an unexpired, unspent refresh token. Newest first.
   */
  listActiveForUser(userId: string, now: Date): Promise<UserGrant[]>;
  /**
   * The grants that still give access at `now` (as listActiveForUser) matching `filter`, newest first: one page
   * (`offset`, `count`) of them and how many there are in all.
   */
  listActive(filter: GrantFilter, now: Date, page: { offset: number; count: number }): Promise<GrantPage>;
}

/** One page of grants, and how many there are in all. */
export interface GrantPage {
  grants: UserGrant[];
  total: number;
}

/** Which grants an administrator lists. */
export interface GrantFilter {
  /** Only grants made at this tenant (a grant with no tenant is the default tenant's); absent: every tenant's. */
  tenant?: string;
  /** A User's id or email (case-insensitive). */
  user?: string;
  /** A client_id. */
  clientId?: string;
}

export interface RefreshTokenRecord {
  grantId: string;
  /** The scope this refresh token may mint (the grant's, or narrower after a down-scoping refresh). */
  scope: string;
  /** Epoch seconds. */
  expiresAt: number;
  /** Epoch seconds. */
  issuedAt: number;
}

export type RefreshTokenUse =
  | { record: RefreshTokenRecord }
  /** The token was already rotated: a replay (RFC 9700 §4.14.2), the grant must be revoked. */
  | { reused: true; grantId: string }
  | undefined;

/** Storage port for refresh tokens, kept by SHA-256 hash only. */
export interface RefreshTokenStore {
  create(tokenHash: string, record: RefreshTokenRecord): Promise<void>;
  /** Marks an unexpired, unrotated token spent and returns it, atomically (exactly one concurrent caller wins). */
  rotate(tokenHash: string, now: number): Promise<RefreshTokenUse>;
  /** The token as stored, spent or not (introspection, revocation). */
  find(tokenHash: string): Promise<(RefreshTokenRecord & { rotated: boolean }) | undefined>;
}

/** Storage port: the ledger of issued access tokens (jti → grant). */
export interface AccessTokenLedger {
  /**
   * Records a token; `newGrant` (a grant whose first token this is) is saved with it, in the same statement, and
   * so is its client assertion's jti when given (the jti ledger's rule: single use per client until it expires).
   * `grant-refused`: nothing but the jti recorded, the grant cannot be stored (GrantStore.save's rule);
   * `assertion-replayed`: nothing recorded, the jti was recorded before.
   */
  record(
    jti: string,
    grantId: string,
    issuedAt: number,
    expiresAt: number,
    newGrant?: { grant: Grant; now: Date; assertion?: { clientId: string; jti: string; rememberUntil: Date } },
  ): Promise<'recorded' | 'grant-refused' | 'assertion-replayed'>;
}
