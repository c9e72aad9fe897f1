import { AdminError } from '../admin/admin-error.ts';
import { tenantOf, type RegistryAudit, type RequestOrigin } from '../audit/registry-events.ts';
import { DEVELOPER_ROLE } from '../admin/admin-access.ts';
import { RegistryConflictError } from '../registry/registry-repository.ts';
import type { UserRepository } from '../users/user.ts';
import { validateUser } from '../users/validate-user.ts';

/** A developer's password: longer than the admin API's floor, since anyone may sign up. */
export const MIN_DEVELOPER_PASSWORD = 12;

export interface SignupInput {
  name: string;
  email: string;
  password: string;
}

export type SignupField = keyof SignupInput;

export type SignupResult = { outcome: 'created'; userId: string } | { outcome: 'refused'; problems: Partial<Record<SignupField, string>> };

export interface DeveloperSignupDeps {
  users: UserRepository;
  newId: () => string;
  /** Injectable for tests; defaults to scrypt. */
  hashPassword?: (password: string) => Promise<string>;
  /** The new User is recorded here (at the default tenant, whose portal this is) before sign-up is answered. */
  audit: RegistryAudit;
}

/**
 * Sign-up at the developer portal: a User with the role `developer`, as the admin API would make it. The new User
 * is the actor of its own creation, at the address `origin` names.
 */
export async function signUpDeveloper(input: SignupInput, deps: DeveloperSignupDeps, origin: RequestOrigin): Promise<SignupResult> {
  const problems: Partial<Record<SignupField, string>> = {};
  const name = input.name.trim();
  const email = input.email.trim();
  if (!name) problems.name = 'Enter your name.';
  if (name.length > 256) problems.name = 'At most 256 characters.';
  if (!email) problems.email = 'Enter your email address.';
  if (input.password.length < MIN_DEVELOPER_PASSWORD) problems.password = `At least ${MIN_DEVELOPER_PASSWORD} characters.`;
  if (input.password.length > 1024) problems.password = 'At most 1024 characters.';
  if (Object.keys(problems).length) return { outcome: 'refused', problems };
  const id = deps.newId();
  try {
    const user = await validateUser({ resourceType: 'User', name, email, password: input.password, roles: [DEVELOPER_ROLE] }, { id, ...(deps.hashPassword ? { hash: deps.hashPassword } : {}) });
    const saved = await deps.users.insertIfAbsent({ ...user, id });
    if (!saved) return { outcome: 'refused', problems: { email: 'Sign-up failed; try again.' } };
    // Committed: recorded before the answer; a failure to record fails the sign-up's request (its error page).
    await deps.audit.record(tenantOf(saved.resource), { userId: saved.resource.id, ...origin }, [{ object: 'user', change: 'created', id: saved.resource.id }]);
    return { outcome: 'created', userId: saved.resource.id };
  } catch (err) {
    if (err instanceof RegistryConflictError) return { outcome: 'refused', problems: { email: 'An account with this email already exists. Sign in instead.' } };
    if (err instanceof AdminError) return { outcome: 'refused', problems: { email: 'Enter a valid email address.' } };
    throw err;
  }
}
