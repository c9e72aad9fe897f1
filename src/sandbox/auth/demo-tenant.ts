import type { TenantRepository } from '../../auth/tenants/tenant.ts';

/** The second tenant of the demo: seed 000's provider and Bulk Data clients are bound to it (`meta._tenant: my-clinic`). */
export const DEMO_TENANT = { id: 'my-clinic', name: 'My Clinic' } as const;

/** Creates the demo tenant once; a tenant an operator changed since (renamed, deactivated) is left as it is. */
export async function seedDemoTenant(tenants: TenantRepository): Promise<void> {
  if (await tenants.get(DEMO_TENANT.id)) return;
  await tenants.put({ resourceType: 'Tenant', id: DEMO_TENANT.id, name: DEMO_TENANT.name, active: true });
}
