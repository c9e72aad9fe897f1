import { boundTo } from '../tenants/tenant-scope.ts';
import { DEFAULT_TENANT } from '../tenants/tenant.ts';
import { PROVIDER_ID, type IdentityProviderRepository, type StoredIdentityProvider } from './identity-provider.ts';

/** The tenant an IdentityProvider serves: its meta._tenant, or the default tenant without one (as for Users). */
export const providerTenant = (provider: StoredIdentityProvider): string => boundTo(provider) ?? DEFAULT_TENANT;

/** More providers than one sign-in page lists is a configuration mistake; the first ones by id are shown. */
const MAX_PROVIDERS = 50;

/** A tenant's identity providers (active or not), by id. */
export async function providersAt(providers: IdentityProviderRepository, tenantId: string): Promise<StoredIdentityProvider[]> {
  // One statement: every sign-in page asks, and it must cost one connection of the auth pool at most.
  return providers.listByTenant(tenantId, MAX_PROVIDERS);
}

/** One provider of this tenant, active; undefined for another tenant's (as if it did not exist), or an inactive one. */
export async function activeProviderAt(providers: IdentityProviderRepository, tenantId: string, id: string): Promise<StoredIdentityProvider | undefined> {
  if (!PROVIDER_ID.test(id)) return undefined;
  const provider = await providers.get(id);
  return provider && provider.active && providerTenant(provider) === tenantId ? provider : undefined;
}
