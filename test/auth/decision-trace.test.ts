import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AccessGrant } from '../../src/auth/access/access-grant.ts';
import { decideFhirAccess } from '../../src/auth/access/decide-fhir-access.ts';
import type { DecisionTrace } from '../../src/auth/access/decision-trace.ts';
import { decideWithPolicies, type PolicySubject } from '../../src/auth/access/policy-gate.ts';
import type { StoredAccessPolicy } from '../../src/auth/policies/access-policy.ts';
import { grantingPolicy } from '../../src/auth/policies/evaluate-policies.ts';
import type { PolicyRequestContext } from '../../src/auth/policies/request-context.ts';
import { parseScopes } from '../../src/auth/scopes/parse-scopes.ts';
import type { FhirAccessRequest } from '../../src/fhir/access/access-port.ts';
import { buildPatientCompartment } from '../../src/fhir/access/patient-compartment.ts';
import { loadDefinitions } from '../../src/fhir/definitions.ts';

const compartment = buildPatientCompartment(loadDefinitions());
const LAB = 'category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

const policy = (id: string, rest: Partial<StoredAccessPolicy>): StoredAccessPolicy => ({
  resourceType: 'AccessPolicy',
  id,
  meta: { versionId: '1', lastUpdated: '2026-01-01T00:00:00Z' },
  engine: 'allow',
  ...rest,
});

const READ_PATIENTS = policy('read-patients', { engine: 'matcho', link: [{ resourceType: 'Client', id: 'app' }], matcho: { resourceType: 'Patient' } });
const OTHER_APP = policy('other-app', { link: [{ resourceType: 'Client', id: 'other' }] });

const subject = (policies: StoredAccessPolicy[]): PolicySubject => ({ policies, client: { id: 'app' }, user: { id: 'u1' } });
const grant = (scope: string, extra: Partial<AccessGrant> = {}): AccessGrant => ({ scopes: parseScopes(scope), clientId: 'app', userId: 'u1', ...extra });
const read = (resourceType: string, id = 'x'): FhirAccessRequest => ({ interaction: 'read', resourceType, id });

function traced(g: AccessGrant, request: FhirAccessRequest, s: PolicySubject | undefined): { trace: DecisionTrace; allowed: boolean; reason: string } {
  const trace: DecisionTrace = [];
  const decision = decideWithPolicies(g, request, compartment, s, trace);
  // The traced decision is the decision the FHIR API makes (it passes no trace).
  assert.deepEqual(decision, decideWithPolicies(g, request, compartment, s));
  return { trace, allowed: decision.allowed, reason: decision.reason };
}

describe('the decision chain (trace) of an access decision', () => {
  it('names the scope that is missing', () => {
    const { trace, allowed } = traced(grant('user/Patient.rs'), read('Observation'), subject([READ_PATIENTS]));
    assert.equal(allowed, false);
    assert.deepEqual(trace, [{ kind: 'scope', verdict: 'missing', text: 'no granted scope covers Observation (granted: user/Patient.rs)' }]);
  });

  it('names the permission a scope lacks', () => {
    const { trace } = traced(grant('user/Patient.r'), { interaction: 'delete', resourceType: 'Patient', id: 'x' }, subject([READ_PATIENTS]));
    assert.deepEqual(trace, [{ kind: 'scope', verdict: 'missing', text: "user/Patient.r does not allow delete of Patient (needs 'd')" }]);
  });

  it('names the scope that matched and the policy that allowed it, after the ones that did not', () => {
    const { trace, allowed } = traced(grant('user/Patient.rs'), read('Patient'), subject([OTHER_APP, READ_PATIENTS]));
    assert.equal(allowed, true);
    assert.deepEqual(
      trace.map((s) => [s.kind, s.verdict]),
      [
        ['scope', 'met'],
        ['policy', 'note'],
        ['policy', 'missing'],
        ['policy', 'met'],
      ],
    );
    assert.match(trace[0]?.text ?? '', /^user\/Patient\.rs allows read of Patient\/x/);
    assert.equal(trace[2]?.text, "AccessPolicy/other-app is linked to Client/other, not to this request's Client, User or operation");
    assert.equal(trace[3]?.text, 'AccessPolicy/read-patients matches the request from Client/app: it grants');
  });

  it('names each policy that did not allow a request no policy allows', () => {
    const { trace, allowed, reason } = traced(grant('user/Observation.rs'), read('Observation'), subject([OTHER_APP, READ_PATIENTS]));
    assert.equal(allowed, false);
    assert.match(reason, /no AccessPolicy allows Client\/app or User\/u1/);
    const policies = trace.filter((s) => s.kind === 'policy' && s.verdict === 'missing').map((s) => s.text);
    assert.deepEqual(policies, [
      "AccessPolicy/other-app is linked to Client/other, not to this request's Client, User or operation",
      'AccessPolicy/read-patients has a matcho pattern the request does not match',
    ]);
    // And the patient/ scopes alone were tried: there were none.
    assert.equal(trace.at(-1)?.verdict, 'missing');
  });

  it('names the compartment and the category constraint a granular patient/ scope applies', () => {
    const { trace, allowed } = traced(grant(`patient/Observation.rs?${LAB}`, { patient: 'pt-1' }), { interaction: 'search-type', resourceType: 'Observation' }, undefined);
    assert.equal(allowed, true);
    assert.ok(trace.some((s) => s.kind === 'constraint' && /^compartment: only what is in Patient\/pt-1's compartment, through subject, performer/.test(s.text)));
    assert.ok(trace.some((s) => s.kind === 'constraint' && s.text.startsWith(`filter: only where ${LAB}`)));
    assert.ok(trace.some((s) => s.kind === 'policy' && s.text.startsWith('patient/ scopes need no AccessPolicy')));
  });

  it('says when a patient user acts through patient/ scopes only', () => {
    const { trace } = traced(grant('user/Observation.rs', { fhirUser: 'Patient/pt-1', patient: 'pt-1' }), read('Observation'), subject([]));
    assert.equal(trace[0]?.kind, 'user');
    assert.match(trace[0]?.text ?? '', /Patient\/pt-1 is a patient user/);
  });

  it('a scope decision without a trace is the same decision', () => {
    const trace: DecisionTrace = [];
    const g = grant('user/*.rs');
    assert.deepEqual(decideFhirAccess(g, read('Patient'), compartment, trace), decideFhirAccess(g, read('Patient'), compartment));
    assert.equal(trace.length, 1);
  });
});

describe('grantingPolicy with a trace', () => {
  const context: PolicyRequestContext = { method: 'GET', uri: '/Client', params: {}, operation: { id: 'Client.list' }, client: { id: 'app' } };

  it('stops at the granting policy, as without a trace', () => {
    const trace: DecisionTrace = [];
    const lists = policy('lists', { engine: 'matcho', matcho: { operation: { id: 'Client.list' } } });
    const never = policy('never', { engine: 'matcho', matcho: { method: 'DELETE' } });
    assert.equal(grantingPolicy([never, lists, OTHER_APP], context, trace), lists);
    assert.equal(grantingPolicy([never, lists, OTHER_APP], context), lists);
    assert.deepEqual(
      trace.map((s) => s.text),
      ['AccessPolicy/never has a matcho pattern the request does not match', 'AccessPolicy/lists matches the request: it grants'],
    );
  });

  it('says when there is no policy at all', () => {
    const trace: DecisionTrace = [];
    assert.equal(grantingPolicy([], context, trace), undefined);
    assert.deepEqual(trace, [{ kind: 'policy', verdict: 'missing', text: 'there is no AccessPolicy to evaluate' }]);
  });
});
