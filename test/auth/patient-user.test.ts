import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideWithPolicies, type AccessGrant, type PolicySubject } from '../../src/auth/access/index.ts';
import { checkRelatedPatient, confinePatientUser, patientScopesFor, patientUserOf } from '../../src/auth/access/patient-user.ts';
import type { StoredAccessPolicy } from '../../src/auth/policies/access-policy.ts';
import { formatScope, parseScopes } from '../../src/auth/scopes/index.ts';
import type { AccessDecision } from '../../src/fhir/access/access-port.ts';
import { buildPatientCompartment } from '../../src/fhir/access/patient-compartment.ts';
import { loadDefinitions } from '../../src/fhir/definitions.ts';

const compartment = buildPatientCompartment(loadDefinitions());
const LAB = 'category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';

const grantOf = (scope: string, context: { fhirUser?: string; patient?: string } = {}): AccessGrant => ({
  scopes: parseScopes(scope),
  clientId: 'app-1',
  userId: 'u-1',
  ...context,
});
const scopeText = (grant: AccessGrant) => grant.scopes.map(formatScope).join(' ');

/** A Client-linked `allow` policy: every user/ and system/ decision of app-1 stands. */
const allowEverything: PolicySubject = {
  policies: [{ resourceType: 'AccessPolicy', id: 'app-1', engine: 'allow', link: [{ resourceType: 'Client', id: 'app-1' }] } as StoredAccessPolicy],
  client: { id: 'app-1' },
  user: { id: 'u-1' },
};

function allowed(decision: AccessDecision) {
  assert.equal(decision.allowed, true, decision.reason);
  return decision as Extract<AccessDecision, { allowed: true }>;
}

describe('patientUserOf', () => {
  it('names Patient and RelatedPerson users, no one else; a malformed id reaches no patient', () => {
    assert.deepEqual(patientUserOf('Patient/pt-1'), { kind: 'Patient', id: 'pt-1' });
    assert.deepEqual(patientUserOf('RelatedPerson/rp-1'), { kind: 'RelatedPerson', id: 'rp-1' });
    assert.deepEqual(patientUserOf('Patient/pt-1/_history/2'), { kind: 'Patient', id: undefined });
    // Not the stored form, yet a patient: confined, to no patient at all.
    assert.deepEqual(patientUserOf('http://portico.test/fhir/Patient/pt-1'), { kind: 'Patient', id: undefined });
    assert.deepEqual(patientUserOf('RelatedPerson/'), { kind: 'RelatedPerson', id: undefined });
    assert.equal(patientUserOf('Practitioner/doc'), undefined);
    assert.equal(patientUserOf('Person/p-1'), undefined);
    assert.equal(patientUserOf(undefined), undefined);
  });
});

describe('patientScopesFor: what a patient user may be granted', () => {
  const granted = (scope: string) => patientScopesFor(parseScopes(scope), compartment).map(formatScope);

  it('each user/ scope as the same patient/ scope: type, permissions, query and v1/v2 spelling kept', () => {
    assert.deepEqual(granted('openid fhirUser user/*.read user/Observation.cruds user/Condition.write'), [
      'openid',
      'fhirUser',
      'patient/*.read',
      'patient/Observation.cruds',
      'patient/Condition.write',
    ]);
    assert.deepEqual(granted(`user/Observation.rs?${LAB}`), [`patient/Observation.rs?${LAB}`]);
  });

  it('only what a patient/ scope can exercise: read and search by reference, nothing on other types, no system/', () => {
    assert.deepEqual(granted('user/Practitioner.cud user/Practitioner.rs user/Location.* user/Organization.cruds'), [
      'patient/Practitioner.rs',
      'patient/Location.read',
      'patient/Organization.rs',
    ]);
    assert.deepEqual(granted('user/Group.rs patient/Group.rs user/ValueSet.rs system/*.rs system/Patient.read'), []);
    assert.deepEqual(granted('patient/Practitioner.cruds'), ['patient/Practitioner.rs']);
  });

  it('drops the duplicates the conversion makes, keeping the order', () => {
    assert.deepEqual(granted('launch/patient patient/*.rs user/*.rs user/Patient.rs'), ['launch/patient', 'patient/*.rs', 'patient/Patient.rs']);
  });
});

describe('confinePatientUser: a grant acting for a patient user, however it was built', () => {
  it('user/ scopes act as patient/ ones, system/ ones not at all; other users\' grants are left alone', () => {
    const confined = confinePatientUser(grantOf('openid user/*.rs system/*.rs patient/Observation.rs', { fhirUser: 'Patient/pt-1', patient: 'pt-1' }));
    assert.equal(scopeText(confined), 'openid patient/*.rs patient/Observation.rs');
    assert.equal(confined.patient, 'pt-1');
    assert.deepEqual(confinePatientUser(confined), confined);
    const doctor = grantOf('user/*.rs system/*.rs', { fhirUser: 'Practitioner/doc', patient: 'pt-2' });
    assert.equal(confinePatientUser(doctor), doctor);
  });

  it('another patient in context, or none, leaves no patient, and says why', () => {
    const other = confinePatientUser(grantOf('user/*.rs', { fhirUser: 'Patient/pt-1', patient: 'pt-2' }));
    assert.equal(other.patient, undefined);
    assert.match(other.noPatientBecause ?? '', /pt-2 is not Patient\/pt-1's own/);
    assert.deepEqual(confinePatientUser(other), other);
    assert.equal(confinePatientUser(grantOf('user/*.rs', { fhirUser: 'Patient/pt-1' })).patient, undefined);
    const absolute = confinePatientUser(grantOf('user/*.rs', { fhirUser: 'http://portico.test/fhir/Patient/pt-1', patient: 'pt-1' }));
    assert.equal(scopeText(absolute), 'patient/*.rs');
    assert.equal(absolute.patient, undefined);
  });

  it('a RelatedPerson keeps the patient of its grant, and loses it once the RelatedPerson names another', async () => {
    const grant = grantOf('user/*.rs', { fhirUser: 'RelatedPerson/rp-1', patient: 'pt-3' });
    assert.equal(confinePatientUser(grant).patient, 'pt-3');
    const lookup = (patient: string | undefined) => async (id: string) => (id === 'rp-1' ? patient : undefined);
    assert.equal(await checkRelatedPatient(grant, lookup('pt-3')), grant);
    for (const now of ['pt-4', undefined]) {
      const checked = confinePatientUser(await checkRelatedPatient(grant, lookup(now)));
      assert.equal(checked.patient, undefined);
      assert.match(checked.noPatientBecause ?? '', /RelatedPerson\/rp-1 is not related to Patient\/pt-3/);
    }
    assert.equal((await checkRelatedPatient(grant, undefined)).patient, undefined);
  });
});

describe('decideWithPolicies: a patient user\'s grant is confined even if nothing confined it before', () => {
  const request = { interaction: 'read', resourceType: 'Patient', id: 'pt-2' } as const;

  it('a Client-linked allow policy widens a practitioner\'s user/ scopes, never a patient user\'s', () => {
    const doctor = allowed(decideWithPolicies(grantOf('user/*.rs', { fhirUser: 'Practitioner/doc' }), request, compartment, allowEverything));
    assert.deepEqual(doctor.constraints, { kind: 'none' });
    assert.match(doctor.reason, /AccessPolicy\/app-1 allows it/);

    const patient = allowed(decideWithPolicies(grantOf('user/*.rs', { fhirUser: 'Patient/pt-1', patient: 'pt-1' }), request, compartment, allowEverything));
    assert.deepEqual(patient.constraints, { kind: 'any-of', clauses: [{ scope: 'patient/*.rs', compartment: { kind: 'patient-id', patientId: 'pt-1' } }] });
    assert.doesNotMatch(patient.reason, /AccessPolicy/);

    const system = decideWithPolicies(grantOf('system/*.rs', { fhirUser: 'Patient/pt-1', patient: 'pt-1' }), request, compartment, allowEverything);
    assert.equal(system.allowed, false);
    const elsewhere = decideWithPolicies(grantOf('user/*.rs', { fhirUser: 'Patient/pt-1', patient: 'pt-2' }), request, compartment, allowEverything);
    assert.equal(elsewhere.allowed, false);
    assert.match(elsewhere.reason, /needs a patient in context, and the token's patient pt-2 is not Patient\/pt-1's own/);
  });

  it('Group is out of reach of patient/ scopes: it lists other patients', () => {
    const group = decideWithPolicies(grantOf('patient/*.rs', { patient: 'pt-1' }), { interaction: 'search-type', resourceType: 'Group' }, compartment, undefined);
    assert.equal(group.allowed, false);
    assert.match(group.reason, /a Group lists other patients too/);
  });
});
