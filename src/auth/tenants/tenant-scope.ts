import type { ClientRepository } from '../clients/client-repository.ts';
import type { AccessPolicyRepository } from '../policies/access-policy.ts';
import type { RegistryResource } from '../registry/registry-repository.ts';
import type { UserRepository } from '../users/user.ts';
import { DEFAULT_TENANT } from './tenant.ts';

/** The tenant a registry resource is bound to (meta._tenant), if any: none for a global Client or AccessPolicy. */
export const boundTo = (resource: RegistryResource): string | undefined => (typeof resource.meta?._tenant === 'string' ? resource.meta._tenant : undefined);

/**
 * The Clients a tenant knows: those bound to it and the global ones (no meta._tenant, such as the developer
 * applications of the RPC). A Client bound to another tenant is unknown here, as if it did not exist: the token
 * endpoint answers invalid_client, the authorize endpoint an unknown client.
 */
export function clientsAt(clients: ClientRepository, tenantId: string): ClientRepository {
  return { ...clients, get: async (id) => {
    const client = await clients.get(id);
    const tenant = client && boundTo(client);
    return tenant === undefined || tenant === tenantId ? client : undefined;
  } };
}

/** Whether a User is one of a tenant's: each belongs to one (no meta._tenant: the default tenant). */
export function isUserOf(user: RegistryResource, tenantId: string): boolean {
  return (boundTo(user) ?? DEFAULT_TENANT) === tenantId;
}

/** The Users of a tenant: each belongs to one (no meta._tenant: the default tenant) and signs in only there. */
export function usersAt(users: UserRepository, tenantId: string): UserRepository {
  const here = <U extends RegistryResource>(user: U | undefined): U | undefined => (user && isUserOf(user, tenantId) ? user : undefined);
  return {
    ...users,
    get: async (id) => here(await users.get(id)),
    findByEmail: async (email) => here(await users.findByEmail(email)),
    // Always this tenant's, whichever tenant the caller names.
    findByIdentity: (identity) => users.findByIdentity(identity, tenantId),
  };
}

/**
 * The AccessPolicies made for the whole deployment (no meta._tenant): the only ones that may grant anything on the
 * surfaces that span tenants (the admin API, the RPC, initial access tokens).
 */
export function globalPolicies(policies: AccessPolicyRepository): AccessPolicyRepository {
  return { ...policies, all: async () => (await policies.all()).filter((policy) => boundTo(policy) === undefined) };
}

/** The AccessPolicies that apply at a tenant: its own and the global ones (made by root without meta._tenant). */
export function policiesAt(policies: AccessPolicyRepository, tenantId: string): AccessPolicyRepository {
  return { ...policies, all: async () => (await policies.all()).filter((policy) => { const tenant = boundTo(policy); return tenant === undefined || tenant === tenantId; }) };
}
