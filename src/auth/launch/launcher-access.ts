import { ADMIN_ROLE } from '../admin/admin-access.ts';
import { isRootClient, type RootClientCredentials } from '../root-client.ts';
import type { CurrentSession } from '../sessions/session-service.ts';

/** Who may use the EHR launcher and the token inspector, and what a refusal asks of the browser. */
export type LauncherAccess =
  | { allowed: true; session?: CurrentSession }
  /** `sign-in`: nobody is signed in; `credentials`: HTTP Basic that is not the root client's; `forbidden`: signed in, not an administrator. */
  | { allowed: false; refusal: 'sign-in' | 'credentials' | 'forbidden' };

export interface LauncherAccessInput {
  sandbox: boolean;
  authorization: string | undefined;
  session: CurrentSession | undefined;
  root: RootClientCredentials;
}

/**
 * The sandbox's launcher is open, as its demo users' passwords are. In production it mints launches and signs
 * nothing in: only a signed-in User with the `admin` role, or the root client over HTTP Basic, may use it.
 * Fails closed: Basic credentials that are not the root's are refused even beside an administrator's session.
 */
export function launcherAccess(input: LauncherAccessInput): LauncherAccess {
  if (input.sandbox) return { allowed: true, ...(input.session ? { session: input.session } : {}) };
  if (input.authorization !== undefined) {
    if (!isRootClient(input.authorization, input.root)) return { allowed: false, refusal: 'credentials' };
    return { allowed: true, ...(input.session ? { session: input.session } : {}) };
  }
  if (!input.session) return { allowed: false, refusal: 'sign-in' };
  if (input.session.user.active === false || !input.session.user.roles?.includes(ADMIN_ROLE)) return { allowed: false, refusal: 'forbidden' };
  return { allowed: true, session: input.session };
}
