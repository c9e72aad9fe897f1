import { practitionerId } from '../fhir/shared-resources.ts';
import { hashPassword } from '../../auth/users/password-hash.ts';
import type { User, UserRepository } from '../../auth/users/user.ts';
import { RegistryConflictError } from '../../auth/registry/registry-repository.ts';

/** A sandbox sign-in, printed at start. Fixed passwords: sandbox mode only, never production. */
export interface SandboxLogin {
  id: string;
  email: string;
  password: string;
  fhirUser: string;
  /** The tenant the user belongs to and signs in at (absent: the default one). */
  tenant?: string;
}

export const SANDBOX_LOGINS: readonly SandboxLogin[] = [
  { id: 'sandbox-patient', email: 'patient@sandbox.portico.test', password: 'sandbox-patient-password', fhirUser: 'Patient/test-pt-1' },
  { id: 'sandbox-practitioner', email: 'practitioner@sandbox.portico.test', password: 'sandbox-practitioner-password', fhirUser: `Practitioner/${practitionerId(1)}` },
];

/**
 * Creates the sandbox's patient and practitioner users (by default the default tenant's), linked to the seeded
 * Patient/test-pt-1 and the first seeded Practitioner. Users already there are left alone (a restart, or an
 * administrator's edits).
 */
export async function seedSandboxUsers(
  users: UserRepository,
  hash: (password: string) => Promise<string> = hashPassword,
  logins: readonly SandboxLogin[] = SANDBOX_LOGINS,
): Promise<SandboxLogin[]> {
  for (const login of logins) {
    if (await users.get(login.id)) continue;
    const role = login.fhirUser.split('/')[0] === 'Patient' ? 'patient' : 'practitioner';
    const user: User & { id: string } = {
      resourceType: 'User',
      id: login.id,
      name: { givenName: 'Sandbox', familyName: role === 'patient' ? 'Patient' : 'Practitioner' },
      ...(login.tenant ? { meta: { _tenant: login.tenant } } : {}),
      email: login.email,
      fhirUser: login.fhirUser,
      active: true,
      roles: [role],
      password_hash: await hash(login.password),
    };
    await putUnlessMadeMeanwhile(users, user);
  }
  return [...logins];
}

/**
 * Two servers starting on one database seed the same Users at once: the one that loses the race on the email's unique
 * index finds the other's User (the same one) and goes on.
 */
async function putUnlessMadeMeanwhile(users: UserRepository, user: User & { id: string }): Promise<void> {
  try {
    await users.put(user);
  } catch (error) {
    if (!(error instanceof RegistryConflictError) || !(await users.get(user.id))) throw error;
  }
}

/** The sandbox's administrator: the admin console's demo sign-in (no FHIR resource; a second factor optional there). */
export interface SandboxAdminLogin {
  id: string;
  email: string;
  password: string;
}

export const SANDBOX_ADMIN_LOGIN: SandboxAdminLogin = { id: 'sandbox-admin', email: 'admin@sandbox.portico.test', password: 'sandbox-admin-password' };

/** Creates the sandbox administrator (role `admin`, the default tenant's, so every tenant's) unless it exists. */
export async function seedSandboxAdmin(users: UserRepository, hash: (password: string) => Promise<string> = hashPassword, login: SandboxAdminLogin = SANDBOX_ADMIN_LOGIN): Promise<SandboxAdminLogin> {
  if (!(await users.get(login.id))) {
    await putUnlessMadeMeanwhile(users, { resourceType: 'User', id: login.id, name: { givenName: 'Sandbox', familyName: 'Administrator' }, email: login.email, active: true, roles: ['admin'], password_hash: await hash(login.password) });
  }
  return login;
}
