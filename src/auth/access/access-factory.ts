import type { FhirAccess } from '../../fhir/access/access-port.ts';
import { buildPatientCompartment } from '../../fhir/access/patient-compartment.ts';
import type { FhirDefinitions } from '../../fhir/definitions.ts';
import type { Resource } from '../../fhir/resource.ts';
import type { SearchIndexRows } from '../../fhir/search/index-rows.ts';
import { isResourceScope } from '../scopes/scope.ts';
import type { AccessGrant } from './access-grant.ts';
import { decideWithPolicies, type PolicySubject } from './policy-gate.ts';

export interface AccessFactoryDeps {
  definitions: Pick<FhirDefinitions, 'patientCompartment'>;
  indexResource: (resource: Resource) => SearchIndexRows;
  /** Sandbox mode: `?_explain=true` explains decisions. */
  explain: boolean;
  /** The token's Client and User as policies see them, and the policies; undefined when the Client is gone. */
  policySubject: (grant: AccessGrant) => Promise<PolicySubject | undefined>;
}

/**
 * The FHIR access of a verified token's grant: the SMART scopes and AccessPolicies behind the port the FHIR
 * layer declares. The FHIR plugin asks it once per request and hands what it returns to the FHIR layer.
 */
export type AccessFactory = (grant: AccessGrant) => Promise<FhirAccess>;

/** Whether AccessPolicies may gate the grant: it has user/ or system/ resource scopes (policies are loaded only then). */
export function gatedByPolicies(grant: AccessGrant): boolean {
  return grant.scopes.some((scope) => isResourceScope(scope) && scope.context !== 'patient');
}

/**
 * Builds, per request, the FhirAccess of a token's grant; the compartment is computed once. Policies are
 * loaded once per request, and only for tokens with user/ or system/ scopes (the only ones they gate).
 */
export function createAccessFactory(deps: AccessFactoryDeps): AccessFactory {
  const compartment = buildPatientCompartment(deps.definitions);
  return async (grant) => {
    const subject = gatedByPolicies(grant) ? await deps.policySubject(grant) : undefined;
    return {
      decide: (request) => decideWithPolicies(grant, request, compartment, subject),
      index: deps.indexResource,
      explain: deps.explain,
    };
  };
}
