import type { RegistryRepository, RegistryResource, Stored } from '../registry/registry-repository.ts';

/** The tenant every URL without `/t/{tenant}` means, and every registry resource without `meta._tenant` (Users). */
export { DEFAULT_TENANT } from '../../endpoints.ts';

/** A tenant's id: what its URLs (`/t/{tenant}`) and `meta._tenant` name. */
export const TENANT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** One organisation a deployment serves: its own issuer, FHIR data, users, clients and policies. */
export interface Tenant extends RegistryResource {
  resourceType: 'Tenant';
  name: string;
  /** An inactive tenant's URLs answer as if it did not exist; nothing of it is deleted. */
  active: boolean;
  /** Branding of its sign-in and consent pages. */
  logo?: string;
  color?: string;
  /**
   * False: its Users sign in only through its identity providers (the sign-in page shows no password form). Allowed
   * only while the tenant has an active IdentityProvider.
   */
  password_login?: boolean;
}

export type StoredTenant = Stored<Tenant>;

export type TenantRepository = RegistryRepository<Tenant>;

/** What a tenant still holds, by kind (Clients, Users, AccessPolicies bound to it, its FHIR resources); empty when nothing. */
export type TenantHoldings = (tenantId: string) => Promise<{ kind: string; count: number }[]>;
