export * from './access-grant.ts';
export { decideFhirAccess } from './decide-fhir-access.ts';
export { decideWithPolicies, fhirPolicyContext, type PolicySubject } from './policy-gate.ts';
export {
  buildPatientCompartment,
  compartmentParams,
  CROSS_PATIENT_TYPES,
  PATIENT_REFERENCED_TYPES,
  type PatientCompartment,
  type PatientReach,
} from '../../fhir/access/patient-compartment.ts';
export {
  checkRelatedPatient,
  confinePatientUser,
  ownPatientOf,
  patientScopesFor,
  patientUserOf,
  type PatientUser,
  type RelatedPatientLookup,
} from './patient-user.ts';
