import { decideFhirAccess } from '../../auth/access/decide-fhir-access.ts';
import type { AccessGrant } from '../../auth/access/fhir-access.ts';
import { buildPatientCompartment } from '../../auth/access/patient-compartment.ts';
import type { FhirDefinitions } from '../definitions.ts';
import type { Resource } from '../resource.ts';
import type { SearchIndexRows } from '../search/index-rows.ts';
import type { FhirAccess } from './fhir-access.ts';

export interface AccessFactoryDeps {
  definitions: Pick<FhirDefinitions, 'patientCompartment'>;
  indexResource: (resource: Resource) => SearchIndexRows;
  /** Sandbox mode: `?_explain=true` explains decisions. */
  explain: boolean;
}

/** Builds, per request, the FhirAccess of a token's grant; the compartment is computed once. */
export function createAccessFactory(deps: AccessFactoryDeps): (grant: AccessGrant) => FhirAccess {
  const compartment = buildPatientCompartment(deps.definitions);
  return (grant) => ({
    decide: (request) => decideFhirAccess(grant, request, compartment),
    index: deps.indexResource,
    explain: deps.explain,
  });
}
