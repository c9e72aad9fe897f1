import type { Config } from '../config.ts';
import type { ProviderSecrets } from '../auth/federation/provider-secret.ts';
import { providerTenant } from '../auth/federation/tenant-providers.ts';
import { federationCallbackUrl } from '../endpoints.ts';
import type { RegistryAdminDeps } from '../auth/admin/registry-admin.ts';

/** What the admin API needs for IdentityProviders: sealing their secrets, the sandbox's loopback upstreams, their redirect URI. */
export function identityProviderAdmin(config: Config, secrets: ProviderSecrets): Pick<RegistryAdminDeps, 'sealProviderSecret' | 'allowLoopbackHttpIssuers' | 'providerRedirectUri'> {
  return {
    sealProviderSecret: secrets.seal,
    allowLoopbackHttpIssuers: config.mode === 'sandbox',
    providerRedirectUri: (provider) => federationCallbackUrl(config.baseUrl, providerTenant(provider), provider.id),
  };
}
