import type { Resource } from '../../fhir/resource.ts';
import { patientId } from './patient-context.ts';

/** The sandbox's Group of all its patients: the Group a Bulk Data `Group/{id}/$export` (Inferno g10 groups 7, 8) asks for. */
export const SANDBOX_GROUP_ID = 'sandbox-patients';

/**
 * A Group listing every patient of a population of `patients` (ids by index, as generated), written
 * with the shared resources. A later, larger `portico seed` run does not grow it.
 */
export function sandboxGroup(patients: number): Resource {
  return {
    resourceType: 'Group',
    id: SANDBOX_GROUP_ID,
    identifier: [{ system: 'urn:portico:sandbox', value: SANDBOX_GROUP_ID }],
    active: true,
    type: 'person',
    actual: true,
    name: 'Sandbox patients',
    quantity: patients,
    member: Array.from({ length: patients }, (_, index) => ({ entity: { reference: `Patient/${patientId(index)}` } })),
  };
}
