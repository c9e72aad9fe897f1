import type { StoredUser, UserRepository } from '../users/user.ts';
import { hashSessionId } from './session-id.ts';
import { sessionIsLive, type Session, type SessionSettings, type SessionStore } from './session.ts';

/** The signed-in user behind a cookie, for the pages and the authorize endpoint. */
export interface CurrentSession {
  session: Session;
  user: StoredUser;
}

/**
 * Whether the sign-in session behind a grant is still going (SMART App Launch 2.2 §"Scopes for requesting
 * a refresh token": an `online_access` refresh token works only while the user stays signed in).
 */
export interface SessionLiveness {
  /** By the session's stored id hash (what a grant records); never counts as activity. */
  isLive(idHash: string): Promise<boolean>;
}

export interface SessionService extends SessionLiveness {
  /** Starts a session for a user who just proved who they are. Returns the id for the cookie: always new (no fixation). */
  start(userId: string): Promise<{ id: string; session: Session }>;
  /**
   * The live session and its active user for a session id (the cookie's value once its signature is checked),
   * else undefined. Records the activity that keeps an idle session alive.
   */
  currentSession(sessionId: string | undefined): Promise<CurrentSession | undefined>;
  /** Records that this session (by its id hash) just presented its User's second factor, now. */
  presentedSecondFactor(idHash: string): Promise<Date>;
  /** Signs out: the id stops working at once. */
  end(sessionId: string | undefined): Promise<void>;
}

export interface SessionServiceDeps {
  store: SessionStore;
  /** Every User, whichever tenant: a session whose User is gone or deactivated ends. */
  users: Pick<UserRepository, 'get'>;
  /**
   * Whether a User signs in at these pages (a tenant's own Users); absent: all do. A session of anyone else is no
   * session here, and is left alone: it is its own tenant's to end.
   */
  signsInHere?: (user: StoredUser) => boolean;
  settings: SessionSettings;
  now: () => Date;
  newSessionId: () => string;
}

export function createSessionService(deps: SessionServiceDeps): SessionService {
  const { store, users, settings, now } = deps;
  const idleCutoff = (at: Date) => new Date(at.getTime() - settings.idleTimeoutSeconds * 1000);
  return {
    async start(userId) {
      const at = now();
      await store.purgeExpired(at, idleCutoff(at));
      const id = deps.newSessionId();
      const session: Session = {
        idHash: hashSessionId(id),
        userId,
        createdAt: at,
        lastSeenAt: at,
        expiresAt: new Date(at.getTime() + settings.maxLifetimeSeconds * 1000),
        authTime: at,
      };
      await store.insert(session);
      return { id, session };
    },

    async currentSession(sessionId) {
      if (!sessionId) return undefined;
      const idHash = hashSessionId(sessionId);
      const session = await store.get(idHash);
      const at = now();
      if (!session) return undefined;
      if (!sessionIsLive(session, at, settings)) {
        await store.delete(idHash);
        return undefined;
      }
      const user = await users.get(session.userId);
      // A user deactivated or deleted since sign-in loses the session at once.
      if (!user || user.active === false) {
        await store.delete(idHash);
        return undefined;
      }
      if (deps.signsInHere && !deps.signsInHere(user)) return undefined;
      await store.touch(idHash, at);
      return { session: { ...session, lastSeenAt: at }, user };
    },

    async isLive(idHash) {
      const session = await store.get(idHash);
      if (!session || !sessionIsLive(session, now(), settings)) return false;
      const user = await users.get(session.userId);
      return user !== undefined && user.active !== false;
    },

    async presentedSecondFactor(idHash) {
      const at = now();
      await store.markSecondFactor(idHash, at);
      return at;
    },

    async end(sessionId) {
      if (sessionId) await store.delete(hashSessionId(sessionId));
    },
  };
}
