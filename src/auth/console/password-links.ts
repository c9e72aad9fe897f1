import { adminActor, tenantOf, type RegistryAudit } from '../audit/registry-events.ts';
import type { AdminCaller } from '../admin/admin-access.ts';
import { AdminError, adminIssue } from '../admin/admin-error.ts';
import type { RegistryAdmin } from '../admin/registry-admin.ts';
import { isUserOf } from '../tenants/tenant-scope.ts';
import { hashToken } from '../tokens/token-hash.ts';
import type { StoredUser, User } from '../users/user.ts';
import { userSchema } from '../users/validate-user.ts';

/** Why a link was issued: a User made without a password is invited; a User with one gets a reset link. */
export type PasswordLinkPurpose = 'invitation' | 'reset';

/** A link as stored: its token only as a hash. */
export interface PasswordLinkRecord {
  userId: string;
  purpose: PasswordLinkPurpose;
  issuedAt: Date;
  expiresAt: Date;
}

/** The storage port (src/storage/auth/password-link-store.ts, migration 026). */
export interface PasswordLinkStore {
  /**
   * Stores a link under `tokenHash` and ends every other link of its User, in one statement, with its purpose: an
   * invitation when the User has no password, else a reset. Undefined when the User is missing or inactive (a link is
   * issued under the User's current standing only).
   */
  replace(tokenHash: string, record: Omit<PasswordLinkRecord, 'purpose'>): Promise<PasswordLinkPurpose | undefined>;
  /** Whether the User has a password, and its link still waiting to be used, if any. */
  standing(userId: string, now: Date): Promise<{ hasPassword: boolean; pending?: { purpose: PasswordLinkPurpose; expiresAt: Date } }>;
  /** The link while it is unexpired at `now` and its User's standing is the one it was issued under. */
  find(tokenHash: string, now: Date): Promise<PasswordLinkRecord | undefined>;
  /** Deletes the link (and every other of its User) when it is still valid at `now`: true for the one request that used it. */
  consume(tokenHash: string, now: Date): Promise<boolean>;
}

export interface PasswordLinksDeps {
  store: PasswordLinkStore;
  /** This site's Users as the admin API's services see them (the root's, or a tenant's scoped service). */
  registry: RegistryAdmin;
  /** The tenant whose pages these are: a link is used only at its User's own tenant. */
  tenant: string;
  audit: RegistryAudit;
  /** Seconds a link stays valid (INVITATION_LIFETIME). */
  lifetimeSeconds: number;
  now: () => Date;
  newToken: () => string;
}

/** A link just issued: the token is shown once, to the administrator, and never stored. */
export interface IssuedLink {
  token: string;
  purpose: PasswordLinkPurpose;
  expiresAt: Date;
  /** The tenant of the User: the link is opened at its pages. */
  tenant: string;
}

/** What opening a link finds: the User it is for, or nothing usable (unknown, used, expired, or its User ended). */
export type OpenedLink = { valid: true; purpose: PasswordLinkPurpose; user: StoredUser } | { valid: false };

export type SetPasswordOutcome = { outcome: 'set'; userId: string } | { outcome: 'invalid-link' } | { outcome: 'refused'; problem: string };

export interface PasswordLinks {
  /**
   * A fresh one-time link for the User `userId` (as this console's service sees it): an invitation when the User
   * has no password, else a reset link. Every earlier link of the User stops working. Recorded on the audit trail.
   */
  issue(userId: string, caller: AdminCaller): Promise<IssuedLink>;
  open(token: string): Promise<OpenedLink>;
  /** Whether the User has a password, and their link waiting to be used, if any (the console's user page). */
  standing(userId: string): Promise<{ hasPassword: boolean; pending?: { purpose: PasswordLinkPurpose; expiresAt: Date } }>;
  /**
   * Sets the password through the link, once: with the admin API's password rules, through its own service (recorded
   * as the User's change, made by the User), then the use of the link itself.
   */
  setPassword(token: string, password: string, address: string): Promise<SetPasswordOutcome>;
}

/**
 * One-time set-password links (OWASP Forgot Password Cheat Sheet: a random token of 256 bits, stored hashed, single
 * use, expiring). An administrator never sees or sends a password: they hand the link to the person, who chooses it.
 */
export function createPasswordLinks(deps: PasswordLinksDeps): PasswordLinks {
  const passwordRule = userSchema.shape.password.unwrap();

  async function open(token: string): Promise<OpenedLink> {
    // Tokens are base64url of 32 bytes: anything else is no link, and never reaches the database.
    if (!/^[A-Za-z0-9_-]{20,100}$/.test(token)) return { valid: false };
    const record = await deps.store.find(hashToken(token), deps.now());
    if (!record) return { valid: false };
    const user = await readUser(record.userId);
    // Another tenant's link is unknown here, as a tenant's Users sign in only at their own.
    if (!user || !isUserOf(user, deps.tenant) || user.active === false) return { valid: false };
    return { valid: true, purpose: record.purpose, user };
  }

  async function readUser(id: string): Promise<StoredUser | undefined> {
    try {
      return (await deps.registry.read('User', id)) as StoredUser;
    } catch (err) {
      if (err instanceof AdminError && err.status === 404) return undefined;
      throw err;
    }
  }

  return {
    async issue(userId, caller) {
      // Through the caller's own service: a User this administrator does not see is not known (404).
      const user = (await deps.registry.read('User', userId)) as User;
      if (user.active === false) throw new AdminError(409, adminIssue('business-rule', 'The user is deactivated: reactivate them first'));
      const token = deps.newToken();
      const issuedAt = deps.now();
      const expiresAt = new Date(issuedAt.getTime() + deps.lifetimeSeconds * 1000);
      const purpose = await deps.store.replace(hashToken(token), { userId, issuedAt, expiresAt });
      if (!purpose) throw new AdminError(409, adminIssue('conflict', 'The user was deactivated or deleted meanwhile'));
      await deps.audit.record(tenantOf(user), adminActor(caller), [
        { object: 'user', change: purpose === 'invitation' ? 'invited' : 'password-reset', id: userId, description: `A one-time set-password link, valid until ${expiresAt.toISOString()}` },
      ]);
      return { token, purpose, expiresAt, tenant: tenantOf(user) };
    },

    open,

    standing: (userId) => deps.store.standing(userId, deps.now()),

    async setPassword(token, password, address) {
      const rule = passwordRule.safeParse(password);
      if (!rule.success) return { outcome: 'refused', problem: rule.error.issues[0]?.message ?? 'is not a valid password' };
      const opened = await open(token);
      if (!opened.valid) return { outcome: 'invalid-link' };
      // Used once: of two requests with the same link, one sets the password.
      if (!(await deps.store.consume(hashToken(token), deps.now()))) return { outcome: 'invalid-link' };
      const { user } = opened;
      const actor: AdminCaller = { kind: 'user', user, address };
      await deps.registry.put('User', user.id, { ...user, password }, actor);
      await deps.audit.record(deps.tenant, adminActor(actor), [
        { object: 'user', change: 'password-set', id: user.id, description: opened.purpose === 'invitation' ? 'Invitation accepted: password chosen through the link' : 'Password chosen through a reset link' },
      ]);
      return { outcome: 'set', userId: user.id };
    },
  };
}
