export * from './fhir-access.ts';
export { decideFhirAccess } from './decide-fhir-access.ts';
export {
  buildPatientCompartment,
  compartmentParams,
  PATIENT_REFERENCED_TYPES,
  type PatientCompartment,
} from './patient-compartment.ts';
