export * from './fhir-access.ts';
export { decideFhirAccess } from './decide-fhir-access.ts';
export { decideWithPolicies, fhirPolicyContext, type PolicySubject } from './policy-gate.ts';
export {
  buildPatientCompartment,
  compartmentParams,
  PATIENT_REFERENCED_TYPES,
  type PatientCompartment,
} from './patient-compartment.ts';
