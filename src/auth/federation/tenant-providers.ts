import { boundTo } from '../tenants/tenant-scope.ts';
import { DEFAULT_TENANT } from '../tenants/tenant.ts';
import type { IdentityProviderRepository, StoredIdentityProvider } from './identity-provider.ts';

/** The tenant an IdentityProvider serves: its meta._tenant, or the default tenant without one (as for Users). */
export const providerTenant = (provider: StoredIdentityProvider): string => boundTo(provider) ?? DEFAULT_TENANT;

/** More providers than one sign-in page lists is a configuration mistake; the first ones by id are shown. */
const MAX_PROVIDERS = 50;

/** A tenant's identity providers (active or not), by id. */
export async function providersAt(providers: IdentityProviderRepository, tenantId: string): Promise<StoredIdentityProvider[]> {
  // The registry's tenant column is meta._tenant as written: '' without one, which is the default tenant's.
  // One statement: every sign-in page asks, and it must cost one connection of the auth pool at most.
  const keys = tenantId === DEFAULT_TENANT ? ['', DEFAULT_TENANT] : [tenantId];
  return (await providers.listByTenant(keys, MAX_PROVIDERS)).filter((provider) => providerTenant(provider) === tenantId);
}

/** One provider of this tenant, active; undefined for another tenant's (as if it did not exist), or an inactive one. */
export async function activeProviderAt(providers: IdentityProviderRepository, tenantId: string, id: string): Promise<StoredIdentityProvider | undefined> {
  if (!/^[A-Za-z0-9._~-]{1,128}$/.test(id)) return undefined;
  const provider = await providers.get(id);
  return provider && provider.active && providerTenant(provider) === tenantId ? provider : undefined;
}
