export type { AccessGrant } from './access-grant.ts';
export type { ScopeClause, ScopeConstraints, ScopeDecision } from './scope-decision.ts';
export { decideFhirAccess } from './decide-fhir-access.ts';
export { decideWithPolicies, fhirPolicyContext, type PolicySubject } from './policy-gate.ts';
export { createAccessFactory, type AccessFactory, type AccessFactoryDeps } from './access-factory.ts';
export {
  checkRelatedPatient,
  confinePatientUser,
  ownPatientOf,
  patientScopesFor,
  patientUserOf,
  type PatientUser,
  type RelatedPatientLookup,
} from './patient-user.ts';
