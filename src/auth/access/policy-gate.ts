import type { FhirAccessInteraction, FhirAccessRequest } from '../../fhir/access/access-port.ts';
import type { PatientCompartment } from '../../fhir/access/patient-compartment.ts';
import type { StoredAccessPolicy } from '../policies/access-policy.ts';
import { grantingPolicy } from '../policies/evaluate-policies.ts';
import type { PolicyRequestContext } from '../policies/request-context.ts';
import { isResourceScope } from '../scopes/scope.ts';
import type { AccessGrant } from './access-grant.ts';
import { decideFhirAccess } from './decide-fhir-access.ts';
import type { DecisionTrace } from './decision-trace.ts';
import { confinePatientUser } from './patient-user.ts';
import type { ScopeDecision } from './scope-decision.ts';
import { ENDPOINTS } from '../../endpoints.ts';

/** Who a token acts for, as policies see them (never secrets), and the policies that may apply. */
export interface PolicySubject {
  policies: readonly StoredAccessPolicy[];
  client: { id: string; [key: string]: unknown };
  user?: { id: string; [key: string]: unknown };
}

/** The REST verb of each interaction, for policies matching on `method` (a POSTed `_search` is still a search). */
const METHOD: Readonly<Record<FhirAccessInteraction, string>> = {
  read: 'GET',
  vread: 'GET',
  'search-type': 'GET',
  'search-system': 'GET',
  'history-instance': 'GET',
  'history-type': 'GET',
  'history-system': 'GET',
  capabilities: 'GET',
  operation: 'GET',
  create: 'POST',
  update: 'PUT',
  delete: 'DELETE',
  batch: 'POST',
};

/** Whether a decision rests on `user/` or `system/` scopes (patient/ ones are confined to a compartment instead). */
function restsOnBroadScopes(decision: Extract<ScopeDecision, { allowed: true }>): boolean {
  return decision.scopes.some((scope) => scope.startsWith('user/') || scope.startsWith('system/'));
}

/** What a FHIR request looks like to a policy: see PolicyRequestContext for the keys. */
export function fhirPolicyContext(request: FhirAccessRequest, grant: AccessGrant, subject: PolicySubject): PolicyRequestContext {
  const path = [ENDPOINTS.fhir.path, request.resourceType, request.id].filter((part) => part !== undefined).join('/');
  return {
    method: METHOD[request.interaction],
    uri: path,
    params: {},
    operation: { id: `fhir.${request.interaction}` },
    interaction: request.interaction,
    ...(request.resourceType !== undefined ? { resourceType: request.resourceType } : {}),
    client: subject.client,
    ...(subject.user ? { user: subject.user } : {}),
    ...(grant.patient !== undefined ? { patient: grant.patient } : {}),
    ...(grant.fhirUser !== undefined ? { fhirUser: grant.fhirUser } : {}),
  };
}

/**
 * Scopes first, then AccessPolicies (SMART App Launch 2.2: `user/` scopes act for the user "within the
 * access the user has"; Backend Services: `system/` scopes within what the server allows the client).
 * A decision resting on user/ or system/ scopes stands only when some AccessPolicy — linked to the
 * token's Client or User, or a matcho pattern matching the request — grants it; otherwise whatever the
 * token's patient/ scopes alone allow, else 403. patient/ scopes need no policy: they are confined to
 * the token's patient. A grant acting for a patient user (a Patient or RelatedPerson fhirUser) is decided
 * as `confinePatientUser` makes it: its patient's compartment at most. Fails closed: no policy, no user/ or
 * system/ access. With a `trace` (the console's policy tester), the decision's chain is written there.
 */
export function decideWithPolicies(
  grant: AccessGrant,
  request: FhirAccessRequest,
  compartment: PatientCompartment,
  subject: PolicySubject | undefined,
  trace?: DecisionTrace,
): ScopeDecision {
  // Whoever built the grant: a patient user's never rests on user/ or system/ scopes, so no policy widens it.
  const acting = confinePatientUser(grant);
  if (trace && acting !== grant) {
    trace.push({ kind: 'user', verdict: 'note', text: `${grant.fhirUser ?? 'the user'} is a patient user: user/ scopes act as patient/ scopes on their own patient, system/ scopes not at all` });
  }
  const decision = decideFhirAccess(acting, request, compartment, trace);
  if (!decision.allowed) return decision;
  if (!restsOnBroadScopes(decision)) {
    if (decision.scopes.length > 0) trace?.push({ kind: 'policy', verdict: 'note', text: 'patient/ scopes need no AccessPolicy: they are confined to the patient in context' });
    return decision;
  }

  trace?.push({ kind: 'policy', verdict: 'note', text: `${decision.scopes.join(', ')} ${decision.scopes.length === 1 ? 'is a' : 'are'} user/ or system/ scope${decision.scopes.length === 1 ? '' : 's'}: an AccessPolicy must grant the request too` });
  if (!subject) trace?.push({ kind: 'policy', verdict: 'missing', text: 'the Client is unknown or inactive: no AccessPolicy can grant' });
  const policy = subject ? grantingPolicy(subject.policies, fhirPolicyContext(request, acting, subject), trace) : undefined;
  if (policy) return { ...decision, reason: `${decision.reason}, and AccessPolicy/${policy.id} allows it` };

  const patientScopes = acting.scopes.filter((scope) => !isResourceScope(scope) || scope.context === 'patient');
  trace?.push({ kind: 'policy', verdict: 'note', text: 'no AccessPolicy grants it: what the patient/ scopes alone allow, if anything' });
  const fallback = decideFhirAccess({ ...acting, scopes: patientScopes }, request, compartment, trace);
  if (fallback.allowed) return fallback;
  const who = subject ? `Client/${subject.client.id}${subject.user ? ` or User/${subject.user.id}` : ''}` : 'this token';
  return {
    allowed: false,
    reason: `${decision.scopes.join(', ')} would allow it, but no AccessPolicy allows ${who} this request (user/ and system/ scopes need one)`,
  };
}
