import type { RegistryAdmin } from '../admin/registry-admin.ts';
import type { SigningKeyInfo } from '../keys/signing-keys.ts';

/** What the console's dashboard shows: how much there is, and the signing keys' age. */
export interface DashboardFacts {
  /** Undefined at a tenant's console (it sees one tenant). */
  tenants?: number;
  apps: number;
  users: number;
  policies: number;
  keys: readonly SigningKeyInfo[];
}

export interface DashboardSources {
  registry: RegistryAdmin;
  /** Every tenant's console sees the deployment's keys (one JWKS serves all tenants). */
  keys: () => Promise<SigningKeyInfo[]>;
  /** Whether this console sees every tenant (the root's). */
  everyTenant: boolean;
}

/** Counts through the admin API's own list operations (a page of none: the total only). */
export async function dashboardFacts(sources: DashboardSources): Promise<DashboardFacts> {
  const total = async (kind: 'Client' | 'User' | 'AccessPolicy' | 'Tenant') => (await sources.registry.list(kind, { count: 0, offset: 0 })).total;
  const [apps, users, policies, keys, tenants] = await Promise.all([
    total('Client'),
    total('User'),
    total('AccessPolicy'),
    sources.keys(),
    sources.everyTenant ? total('Tenant') : Promise.resolve(undefined),
  ]);
  return { apps, users, policies, keys, ...(tenants !== undefined ? { tenants } : {}) };
}
