/**
 * A signed-in browser: the server-side record behind the session cookie. The cookie carries a random id;
 * the database keeps only its SHA-256 hash, so a leaked table does not yield usable cookies.
 */
export interface Session {
  /** SHA-256 (hex) of the id in the cookie. */
  idHash: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  /** Absolute end, whatever the activity. */
  expiresAt: Date;
  /** When the user last proved who they are (OIDC `auth_time`). */
  authTime: Date;
  /** When this session presented its User's second factor (src/auth/mfa); absent: not yet. */
  secondFactorAt?: Date;
}

/** The storage port (implemented in src/storage/auth/session-store.ts). */
export interface SessionStore {
  insert(session: Session): Promise<void>;
  /** Undefined once its User was deactivated or deleted since it started (reactivating the User does not bring it back). */
  get(idHash: string): Promise<Session | undefined>;
  /** Records activity; no effect when the session is gone. */
  touch(idHash: string, lastSeenAt: Date): Promise<void>;
  /** Records that this session presented its User's second factor; no effect when the session is gone. */
  markSecondFactor(idHash: string, at: Date): Promise<void>;
  /** False when there was nothing to delete. */
  delete(idHash: string): Promise<boolean>;
  /** Housekeeping: drops sessions whose absolute or idle lifetime is over. */
  purgeExpired(now: Date, idleCutoff: Date): Promise<void>;
  /**
   * The live sessions (neither expired at `now` nor idle since `idleCutoff`, their User still of the standing they
   * started under) matching `filter`, newest first: one page of them, and how many there are in all.
   */
  listLive(filter: SessionFilter, now: Date, idleCutoff: Date, page: ListPage): Promise<{ total: number; sessions: UserSession[] }>;
}

/** Which sessions an administrator lists. */
export interface SessionFilter {
  /** Only Users of these tenant keys (a User's meta._tenant; '' for none); absent: every tenant's. */
  userTenants?: readonly string[];
  /** A User's id or email (case-insensitive). */
  user?: string;
}

/** A window of a list: skip `offset`, take `count`. */
export interface ListPage {
  offset: number;
  count: number;
}

/** A session with who it belongs to, as an administrator sees it. */
export interface UserSession extends Session {
  email?: string;
  name?: string;
}

export interface SessionSettings {
  /** Seconds without a request after which a session ends. */
  idleTimeoutSeconds: number;
  /** Seconds after sign-in after which a session ends, however active. */
  maxLifetimeSeconds: number;
}

/** Idle and absolute lifetimes (OWASP Session Management: both are needed). */
export function sessionIsLive(session: Session, now: Date, settings: SessionSettings): boolean {
  if (now.getTime() >= session.expiresAt.getTime()) return false;
  return now.getTime() - session.lastSeenAt.getTime() < settings.idleTimeoutSeconds * 1000;
}
