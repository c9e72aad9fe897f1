import type { Client, ClientRepository } from '../../auth/clients/client-repository.ts';
import type { ClientSearch } from '../../auth/clients/client-search.ts';
import type { AccessPolicy, AccessPolicyRepository, StoredAccessPolicy } from '../../auth/policies/access-policy.ts';
import type { Tenant, TenantRepository } from '../../auth/tenants/tenant.ts';
import type { IdentityProvider, IdentityProviderRepository, StoredIdentityProvider } from '../../auth/federation/identity-provider.ts';
import type { StoredUser, User, UserRepository } from '../../auth/users/user.ts';
import type { SqlClient } from '../database.ts';
import { DEFAULT_TENANT } from '../../endpoints.ts';
import { createClientSearch } from './client-search-store.ts';
import { createRegistryStore, type RegistryStoreOptions } from './registry-store.ts';

export interface AuthStores {
  clients: ClientRepository;
  users: UserRepository;
  policies: AccessPolicyRepository;
  tenants: TenantRepository;
  /** The OpenID providers Users sign in with (every tenant's). */
  identityProviders: IdentityProviderRepository;
  /** The console's search of Clients (by name, type, status, tenant, developer). */
  clientSearch: ClientSearch;
}

/** The registry's stores over one database (either driver). */
export function createAuthStores(sql: SqlClient, options: RegistryStoreOptions): AuthStores {
  const users = createRegistryStore<User>(sql, 'User', options);
  const policies = createRegistryStore<AccessPolicy>(sql, 'AccessPolicy', options);
  return {
    clients: createRegistryStore<Client>(sql, 'Client', options),
    tenants: createRegistryStore<Tenant>(sql, 'Tenant', options),
    identityProviders: {
      ...createRegistryStore<IdentityProvider>(sql, 'IdentityProvider', options),
      async listByTenant(tenantId, limit) {
        const rows = await sql.query<{ content: string }>(
          `SELECT content::text AS content FROM auth_identity_provider WHERE tenant = ANY($1::text[]) ORDER BY id LIMIT $2`,
          [registryTenantKeys(tenantId), limit],
        );
        return rows.map((r) => JSON.parse(r.content) as StoredIdentityProvider);
      },
    },
    clientSearch: createClientSearch(sql),
    users: {
      ...users,
      async findByEmail(email) {
        const rows = await sql.query<{ content: string }>(
          `SELECT content::text AS content FROM auth_user WHERE lower(content->>'email') = lower($1)`,
          [email],
        );
        return rows[0] ? (JSON.parse(rows[0].content) as StoredUser) : undefined;
      },
      async findByIdentity(identity, tenantId) {
        // Containment on migration 028's GIN index, within the tenant.
        const rows = await sql.query<{ content: string }>(
          `SELECT content::text AS content FROM auth_user WHERE content->'identities' @> $1::jsonb AND tenant = ANY($2::text[]) ORDER BY id LIMIT 10`,
          [JSON.stringify([{ issuer: identity.issuer, subject: identity.subject }]), registryTenantKeys(tenantId)],
        );
        return rows.map((r) => JSON.parse(r.content) as StoredUser);
      },
    },
    policies: {
      ...policies,
      async all() {
        const rows = await sql.query<{ content: string }>(`SELECT content::text AS content FROM auth_access_policy ORDER BY id`);
        return rows.map((r) => JSON.parse(r.content) as StoredAccessPolicy);
      },
    },
  };
}

/**
 * The registry tables' tenant column values of a tenant: meta._tenant as written, so the default tenant's rows are
 * those without one ('') and those naming it.
 */
function registryTenantKeys(tenantId: string): string[] {
  return tenantId === DEFAULT_TENANT ? ['', DEFAULT_TENANT] : [tenantId];
}
