import type { FhirDefinitions } from '../definitions.ts';

/**
 * The search parameters that put a resource of `resourceType` in a patient's compartment, as the
 * R4 Patient CompartmentDefinition lists them (`Observation` → `subject`, `performer`). Empty when the
 * type is not in the compartment. For `Patient` this is `link`; access rules confine Patient by id.
 */
export function compartmentParams(definitions: Pick<FhirDefinitions, 'patientCompartment'>, resourceType: string): readonly string[] {
  return definitions.patientCompartment.resource.find((r) => r.code === resourceType)?.param ?? [];
}

/**
 * Types a patient app reads by reference from its patient's data (US Core "must support" references:
 * the performer of an Observation, the medication of a MedicationRequest, ...). They are outside the
 * R4 Patient compartment, yet patient apps read them (Inferno grants and reads `patient/Practitioner.rs`
 * and friends). Access confined to one patient may read and search them (not write them) without
 * compartment confinement; they describe providers and products, not the patient.
 */
export const PATIENT_REFERENCED_TYPES: ReadonlySet<string> = new Set([
  'Practitioner',
  'PractitionerRole',
  'Organization',
  'Location',
  'Medication',
]);

/**
 * Links the R4 CompartmentDefinition leaves out but that hold patient data: R4 lists `Device` with
 * no parameter, so access confined to a patient would reach no Device; US Core's Implantable Device is
 * searched by `patient` (and R5's Patient compartment links Device by `subject`/`patient`).
 */
const ADDED_LINKS: Readonly<Record<string, readonly string[]>> = {
  Device: ['patient'],
};

/**
 * Types the R4 Patient compartment lists that access confined to one patient still never reaches: a
 * Group is in the compartment of each of its members (`member`), and reading it would name every other
 * member.
 */
export const CROSS_PATIENT_TYPES: ReadonlySet<string> = new Set(['Group']);

/**
 * How access confined to one patient reaches a resource type: inside the patient's compartment (Patient
 * by id, any other type by its compartment parameters), outside it by reference (read and search only),
 * or not at all.
 */
export type PatientReach = 'compartment' | 'by-reference' | 'none';

/** How access confined to one patient reaches each resource type: precomputed once from the definitions. */
export interface PatientCompartment {
  /**
   * Parameters linking a type to Patient (`[]` = not in the compartment), as the definitions say:
   * what a Patient or Group export searches by. Patient itself is by id.
   */
  params(resourceType: string): readonly string[];
  /** How access confined to one patient reaches the type (what access decisions apply). */
  reach(resourceType: string): PatientReach;
}

export function buildPatientCompartment(definitions: Pick<FhirDefinitions, 'patientCompartment'>): PatientCompartment {
  const links = new Map<string, readonly string[]>();
  for (const entry of definitions.patientCompartment.resource) {
    if (entry.param && entry.param.length > 0) links.set(entry.code, entry.param);
  }
  for (const [type, params] of Object.entries(ADDED_LINKS)) {
    if (!links.has(type)) links.set(type, params);
  }
  return {
    params: (resourceType) => links.get(resourceType) ?? [],
    reach(resourceType) {
      if (CROSS_PATIENT_TYPES.has(resourceType)) return 'none';
      if (resourceType === 'Patient' || links.has(resourceType)) return 'compartment';
      return PATIENT_REFERENCED_TYPES.has(resourceType) ? 'by-reference' : 'none';
    },
  };
}
