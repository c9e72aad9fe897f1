import type { TenantRepository } from '../../auth/tenants/tenant.ts';
import { practitionerId } from '../fhir/shared-resources.ts';
import type { SandboxLogin } from './sandbox-users.ts';

/** The second tenant of the demo: seed 000's provider and Bulk Data clients are bound to it (`meta._tenant: my-clinic`). */
export const DEMO_TENANT = { id: 'my-clinic', name: 'My Clinic' } as const;

/** Creates the demo tenant once; a tenant an operator changed since (renamed, deactivated) is left as it is. */
export async function seedDemoTenant(tenants: TenantRepository): Promise<void> {
  if (await tenants.get(DEMO_TENANT.id)) return;
  await tenants.put({ resourceType: 'Tenant', id: DEMO_TENANT.id, name: DEMO_TENANT.name, active: true });
}

/** The demo tenant's own patient and practitioner, in its population (the same ids as the default tenant's). */
export const DEMO_TENANT_LOGINS: readonly SandboxLogin[] = [
  { id: 'my-clinic-patient', email: 'patient@my-clinic.portico.test', password: 'my-clinic-patient-password', fhirUser: 'Patient/test-pt-1', tenant: DEMO_TENANT.id },
  { id: 'my-clinic-practitioner', email: 'practitioner@my-clinic.portico.test', password: 'my-clinic-practitioner-password', fhirUser: `Practitioner/${practitionerId(1)}`, tenant: DEMO_TENANT.id },
];
