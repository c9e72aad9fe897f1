import type { FederatedIdentity } from '../federation/identity-provider.ts';
import type { RegistryRepository, RegistryResource, Stored } from '../registry/registry-repository.ts';

/** A person who signs in: a patient, a practitioner, a developer, an administrator. */
export interface User extends RegistryResource {
  resourceType: 'User';
  name?: string | { givenName?: string; familyName?: string; formatted?: string };
  email?: string;
  /** The FHIR resource this user is: `Patient/<id>`, `Practitioner/<id>`, `RelatedPerson/<id>` or `Person/<id>`. */
  fhirUser?: string;
  active?: boolean;
  roles?: string[];
  /** Accounts at the tenant's identity providers this User signs in with (an upstream's issuer and subject). */
  identities?: FederatedIdentity[];
  /** Self-describing scrypt hash (see password-hash.ts). Stored only; never in a response. */
  password_hash?: string;
}

export type StoredUser = Stored<User>;

export interface UserRepository extends RegistryRepository<User> {
  /** Case-insensitive. */
  findByEmail(email: string): Promise<StoredUser | undefined>;
  /** A tenant's Users linked to an upstream account (`identities`); at most a few (more than one is a mistake). */
  findByIdentity(identity: FederatedIdentity, tenantId: string): Promise<StoredUser[]>;
}

/** The user as any response shows it: without the password hash. */
export function publicUser<T extends RegistryResource>(user: T): T {
  const { password_hash: _hash, ...rest } = user;
  return rest as T;
}
