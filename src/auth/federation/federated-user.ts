import { createHash } from 'node:crypto';
import { objectChange, type RegistryAudit } from '../audit/registry-events.ts';
import { RegistryConflictError } from '../registry/registry-repository.ts';
import type { AuditActor } from '../../fhir/audit/audit-actor.ts';
import { DEFAULT_TENANT } from '../tenants/tenant.ts';
import type { StoredUser, User, UserRepository } from '../users/user.ts';
import { emailOf, fhirUserOf, MappingRefusal, nameOf, rolesOf, subjectOf, type FhirUserDirectory } from './claim-mapping.ts';
import type { FederatedIdentity, StoredIdentityProvider } from './identity-provider.ts';
import type { IdTokenClaims } from './upstream-client.ts';

export interface FederatedUsersDeps {
  tenant: string;
  /** The tenant's Users (sign-in finds them here only). */
  users: UserRepository;
  /** Every tenant's: an email is unique across the deployment, so a provisioned User takes one only while it is free. */
  allUsers: Pick<UserRepository, 'findByEmail'>;
  directory: FhirUserDirectory;
  fhirBaseUrl: string;
  /** Users made or changed by a sign-in are registry changes like any other. */
  audit: RegistryAudit;
}

/** Attempts of a compare-and-swap update of a User changed meanwhile. */
const MAX_ATTEMPTS = 3;

/**
 * The User a verified id_token signs in as: the one linked to the upstream's issuer and subject in this tenant, made at
 * the first sign-in with `jit` provisioning (exactly once: its id is derived from the tenant, issuer and subject, so
 * two first sign-ins at once make one User). The mapped fhirUser and roles are brought up to date at each sign-in.
 * Throws MappingRefusal when the sign-in must not go on.
 */
export async function federatedUser(provider: StoredIdentityProvider, claims: IdTokenClaims, address: string, deps: FederatedUsersDeps): Promise<StoredUser> {
  const identity: FederatedIdentity = { issuer: claims.iss, subject: subjectOf(claims, provider.mapping) };
  const linked = await deps.users.findByIdentity(identity, deps.tenant);
  if (linked.length > 1) {
    throw new MappingRefusal(`${linked.length} Users are linked to ${identity.issuer} subject ${identity.subject}`, 'Your account is linked to more than one user here. Ask an administrator to fix it.');
  }
  const existing = linked[0];
  // Whether the person may sign in here at all comes first: an unlinked account hears that, not what its record lacks.
  if (!existing && provider.mapping.provisioning !== 'jit') {
    throw new MappingRefusal(`no User is linked to ${identity.issuer} subject ${identity.subject} (provisioning: existing-only)`, 'You have no account here yet. Ask an administrator to link your account.');
  }
  const fhirUser = await fhirUserOf(claims, provider.mapping.fhirUser, deps.directory, deps.fhirBaseUrl);
  if (existing) return refreshed(existing, provider, claims, fhirUser, address, deps);
  return provisioned(identity, provider, claims, fhirUser, address, deps);
}

async function provisioned(identity: FederatedIdentity, provider: StoredIdentityProvider, claims: IdTokenClaims, fhirUser: string | undefined, address: string, deps: FederatedUsersDeps): Promise<StoredUser> {
  const id = `fed-${createHash('sha256').update(`${deps.tenant}\0${identity.issuer}\0${identity.subject}`, 'utf8').digest('base64url').slice(0, 32)}`;
  const name = nameOf(claims);
  const email = emailOf(claims);
  const roles = rolesOf(claims, provider.mapping);
  const user: User & { id: string } = {
    resourceType: 'User',
    id,
    ...(deps.tenant === DEFAULT_TENANT ? {} : { meta: { _tenant: deps.tenant } }),
    ...(name !== undefined ? { name } : {}),
    ...(fhirUser !== undefined ? { fhirUser } : {}),
    active: true,
    ...(roles.length ? { roles } : {}),
    identities: [identity],
  };
  // The email only while no User of any tenant has it (emails are unique); a taken one is left out, never linked by.
  const withEmail = email !== undefined && !(await deps.allUsers.findByEmail(email)) ? { ...user, email } : user;
  let created: StoredUser | undefined;
  try {
    created = (await deps.users.insertIfAbsent(withEmail))?.resource;
  } catch (error) {
    if (!(error instanceof RegistryConflictError)) throw error;
    created = (await deps.users.insertIfAbsent(user))?.resource;
  }
  if (!created) {
    // Made meanwhile by another sign-in of the same person: that one is theirs.
    const made = await deps.users.get(id);
    if (!made || !(made.identities ?? []).some((i) => i.issuer === identity.issuer && i.subject === identity.subject)) {
      throw new MappingRefusal(`User/${id} exists but is not linked to ${identity.issuer} subject ${identity.subject}`, 'Your account could not be set up. Ask an administrator.');
    }
    return refreshed(made, provider, claims, fhirUser, address, deps);
  }
  await deps.audit.record(deps.tenant, actorOf(created, address), [objectChange('user', id, undefined, created)]);
  return created;
}

async function refreshed(user: StoredUser, provider: StoredIdentityProvider, claims: IdTokenClaims, fhirUser: string | undefined, address: string, deps: FederatedUsersDeps): Promise<StoredUser> {
  let current = user;
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
    if (current.active === false) throw new MappingRefusal(`User/${current.id} is inactive`, 'Your account here is deactivated.');
    const roles = rolesOf(claims, provider.mapping, current.roles);
    const next: StoredUser = { ...current, ...(fhirUser !== undefined ? { fhirUser } : {}) };
    if (roles.length) next.roles = roles;
    else delete next.roles;
    if (sameList(next.roles, current.roles) && next.fhirUser === current.fhirUser) return current;
    const saved = await deps.users.replaceIfUnchanged(next, current.meta.versionId);
    if (saved) {
      await deps.audit.record(deps.tenant, actorOf(saved.resource, address), [objectChange('user', current.id, current, saved.resource)]);
      return saved.resource;
    }
    const again = await deps.users.get(current.id);
    if (!again) throw new MappingRefusal(`User/${current.id} was deleted during the sign-in`, 'Your account here no longer exists.');
    current = again;
  }
  throw new MappingRefusal(`User/${user.id} kept changing during the sign-in`, 'Your account is being changed. Try again in a moment.');
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) => (a ?? []).join('\n') === (b ?? []).join('\n');

const actorOf = (user: StoredUser, address: string): AuditActor => ({ userId: user.id, ...(user.fhirUser !== undefined ? { fhirUser: user.fhirUser } : {}), address });
