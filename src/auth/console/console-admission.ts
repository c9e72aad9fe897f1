import { ADMIN_ROLE, consoleCaller, type AdminCaller } from '../admin/admin-access.ts';
import type { CurrentSession } from '../sessions/session-service.ts';
import type { StoredUser } from '../users/user.ts';

/**
 * Where the administrator stands with the second factor in this session: presented (or not required: sandbox
 * mode and none enrolled), to be presented (enrolled), or to be enrolled first (required and none yet).
 */
export type SecondFactorStanding = 'satisfied' | 'verify' | 'enrol';

/** Asks whether this signed-in administrator has passed the second factor for the session (second-factor.ts). */
export interface SecondFactorGate {
  standing(current: CurrentSession): Promise<SecondFactorStanding>;
}

/** An administrator let into the console, and as whom their actions are recorded. */
export interface ConsoleAdmin {
  user: StoredUser;
  /** The tenant they administer; undefined: the whole deployment (a global administrator at the root URLs). */
  tenant: string | undefined;
  caller: AdminCaller;
}

export type ConsoleAdmission =
  | { admitted: true; admin: ConsoleAdmin }
  /** `sign-in`: nobody signed in here; `not-administrator`: signed in without the role; the second factor is due. */
  | { admitted: false; refusal: 'sign-in' | 'not-administrator' | 'second-factor' | 'enrol-second-factor' };

/**
 * Who may use the console: a signed-in User with the role `admin` of these pages (the root URLs' Users are the
 * deployment's, a tenant's pages sign in only its own), once their second factor stands. The root client's HTTP
 * Basic credentials are an API credential: they never open it.
 */
export async function consoleAdmission(
  current: CurrentSession | undefined,
  context: { tenant: string | undefined; address: string; secondFactor: SecondFactorGate },
): Promise<ConsoleAdmission> {
  if (!current) return { admitted: false, refusal: 'sign-in' };
  if (!current.user.roles?.includes(ADMIN_ROLE)) return { admitted: false, refusal: 'not-administrator' };
  const standing = await context.secondFactor.standing(current);
  if (standing === 'verify') return { admitted: false, refusal: 'second-factor' };
  if (standing === 'enrol') return { admitted: false, refusal: 'enrol-second-factor' };
  return { admitted: true, admin: { user: current.user, tenant: context.tenant, caller: consoleCaller(current.user, context.address) } };
}
