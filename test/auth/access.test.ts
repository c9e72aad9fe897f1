import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideFhirAccess, type AccessGrant, type ScopeDecision as AccessDecision } from '../../src/auth/access/index.ts';
import { parseScopes } from '../../src/auth/scopes/index.ts';
import type { FhirAccessRequest } from '../../src/fhir/access/access-port.ts';
import { buildPatientCompartment, compartmentParams } from '../../src/fhir/access/patient-compartment.ts';
import { loadDefinitions } from '../../src/fhir/definitions.ts';

const definitions = loadDefinitions();
const compartment = buildPatientCompartment(definitions);

const LAB = 'category=http://terminology.hl7.org/CodeSystem/observation-category|laboratory';
const VITALS = 'category=http://terminology.hl7.org/CodeSystem/observation-category|vital-signs';

const grantOf = (scope: string, patient: string | undefined): AccessGrant => ({
  scopes: parseScopes(scope),
  ...(patient === undefined ? {} : { patient }),
});
const decide = (scope: string, request: FhirAccessRequest, patient?: string | null) =>
  decideFhirAccess(grantOf(scope, patient === null ? undefined : (patient ?? 'pt-1')), request, compartment);

function allowed(decision: AccessDecision) {
  assert.equal(decision.allowed, true, decision.reason);
  return decision as Extract<AccessDecision, { allowed: true }>;
}
function denied(decision: AccessDecision, reason?: RegExp) {
  assert.equal(decision.allowed, false, `expected a denial, got: ${decision.reason}`);
  if (reason) assert.match(decision.reason, reason);
}

describe('compartmentParams', () => {
  it('lists the parameters linking a type to Patient, from the R4 CompartmentDefinition', () => {
    assert.deepEqual(compartmentParams(definitions, 'Observation'), ['subject', 'performer']);
    assert.deepEqual(compartmentParams(definitions, 'Condition'), ['patient', 'asserter']);
    assert.deepEqual(compartmentParams(definitions, 'Encounter'), ['subject']);
    assert.deepEqual(compartmentParams(definitions, 'Practitioner'), []);
    assert.deepEqual(compartmentParams(definitions, 'NotAType'), []);
  });
});

describe('decideFhirAccess: permissions per interaction', () => {
  const all: FhirAccessRequest['interaction'][] = ['read', 'vread', 'search-type', 'create', 'update', 'delete', 'history-instance', 'history-type'];
  const expectations: [scope: string, allowed: FhirAccessRequest['interaction'][]][] = [
    ['user/Observation.read', ['read', 'vread', 'search-type', 'history-instance', 'history-type']],
    ['user/Observation.write', ['create', 'update', 'delete']],
    ['user/Observation.*', all],
    ['user/Observation.cruds', all],
    ['user/Observation.r', ['read', 'vread', 'history-instance', 'history-type']],
    ['user/Observation.s', ['search-type']],
    ['user/Observation.c', ['create']],
    ['user/Observation.u', ['update']],
    ['user/Observation.d', ['delete']],
    ['user/*.rs', ['read', 'vread', 'search-type', 'history-instance', 'history-type']],
    ['system/*.cud', ['create', 'update', 'delete']],
  ];
  for (const [scope, permitted] of expectations) {
    it(`${scope} allows exactly ${permitted.join(', ')}`, () => {
      for (const interaction of all) {
        const decision = decide(scope, { interaction, resourceType: 'Observation', id: 'o1' });
        assert.equal(decision.allowed, permitted.includes(interaction), `${interaction}: ${decision.reason}`);
        if (decision.allowed) assert.deepEqual(decision.constraints, { kind: 'none' }, 'user/ and system/ carry no constraints');
      }
    });
  }

  it('a type not granted is denied, naming what was granted', () => {
    denied(decide('patient/Observation.rs patient/Patient.rs', { interaction: 'search-type', resourceType: 'Condition' }), /no granted scope covers Condition.*patient\/Observation\.rs/);
    denied(decide('openid fhirUser', { interaction: 'read', resourceType: 'Patient', id: 'pt-1' }), /no resource scopes granted/);
  });

  it('a missing permission is denied, naming the scope and the letter', () => {
    denied(decide('patient/Observation.r', { interaction: 'search-type', resourceType: 'Observation' }), /patient\/Observation\.r does not allow search of Observation \(needs 's'\)/);
    denied(decide('patient/*.read', { interaction: 'create', resourceType: 'Observation' }), /needs 'c'/);
  });

  it('unknown scopes grant nothing', () => {
    denied(decide('patient/Observation.sr', { interaction: 'read', resourceType: 'Observation', id: 'o1' }));
  });

  it('capabilities and batch need no scope; system-wide search needs a broad wildcard', () => {
    assert.deepEqual(allowed(decide('', { interaction: 'capabilities' })).constraints, { kind: 'none' });
    allowed(decide('openid', { interaction: 'batch' }));
    allowed(decide('user/*.rs', { interaction: 'search-system' }));
    allowed(decide('system/*.read', { interaction: 'history-system' }));
    allowed(decide('system/*.read', { interaction: 'operation' }));
    denied(decide('user/*.r', { interaction: 'search-system' }), /needs a user\/ or system\/ scope on \*/);
    denied(decide('user/Observation.rs', { interaction: 'search-system' }));
    denied(decide('patient/*.rs', { interaction: 'search-system' }), /not available under patient\/ scopes/);
    denied(decide('user/*.rs', { interaction: 'read' }), /needs a resource type/);
  });

  it('a type-level operation is decided like a read of the type', () => {
    allowed(decide('user/Patient.r', { interaction: 'operation', resourceType: 'Patient', id: 'p' }));
    denied(decide('user/Patient.s', { interaction: 'operation', resourceType: 'Patient', id: 'p' }));
  });
});

describe('decideFhirAccess: patient/ scopes and the patient compartment', () => {
  it('confines compartment types to the patient in context via the CompartmentDefinition params', () => {
    const decision = allowed(decide('patient/Observation.rs', { interaction: 'search-type', resourceType: 'Observation' }));
    assert.deepEqual(decision.constraints, {
      kind: 'any-of',
      clauses: [
        {
          scope: 'patient/Observation.rs',
          compartment: { kind: 'patient-link', patientId: 'pt-1', resourceType: 'Observation', params: ['subject', 'performer'] },
        },
      ],
    });
    assert.deepEqual(decision.scopes, ['patient/Observation.rs']);
    assert.match(decision.reason, /Patient\/pt-1's compartment \(subject, performer\).*patient\/Observation\.rs/);
  });

  it('applies to every interaction, writes and history included', () => {
    for (const interaction of ['read', 'vread', 'search-type', 'create', 'update', 'delete', 'history-instance', 'history-type'] as const) {
      const decision = allowed(decide('patient/*.*', { interaction, resourceType: 'Condition', id: 'c1' }));
      assert.equal(decision.constraints.kind, 'any-of', interaction);
      assert.deepEqual(decision.constraints.kind === 'any-of' && decision.constraints.clauses[0]?.compartment, {
        kind: 'patient-link',
        patientId: 'pt-1',
        resourceType: 'Condition',
        params: ['patient', 'asserter'],
      });
    }
  });

  it('Patient is reached by id: only the patient in context', () => {
    const onlyPt1 = { kind: 'any-of', clauses: [{ scope: 'patient/Patient.rs', compartment: { kind: 'patient-id', patientId: 'pt-1' } }] };
    const own = allowed(decide('patient/Patient.rs', { interaction: 'read', resourceType: 'Patient', id: 'pt-1' }));
    assert.deepEqual(own.constraints, onlyPt1);
    // Another id is not refused by the decision (a 403 would say it exists): the constraint leaves it unseen.
    const other = allowed(decide('patient/Patient.rs', { interaction: 'read', resourceType: 'Patient', id: 'pt-2' }));
    assert.deepEqual(other.constraints, onlyPt1);
    const update = allowed(decide('patient/*.*', { interaction: 'update', resourceType: 'Patient', id: 'pt-2' }));
    assert.deepEqual(update.constraints, { kind: 'any-of', clauses: [{ scope: 'patient/*.*', compartment: { kind: 'patient-id', patientId: 'pt-1' } }] });
    const search = allowed(decide('patient/Patient.rs', { interaction: 'search-type', resourceType: 'Patient' }));
    assert.deepEqual(search.constraints, { kind: 'any-of', clauses: [{ scope: 'patient/Patient.rs', compartment: { kind: 'patient-id', patientId: 'pt-1' } }] });
  });

  it('the types patient apps read by reference are readable and searchable, not writable, without confinement', () => {
    for (const type of ['Practitioner', 'PractitionerRole', 'Organization', 'Location', 'Medication']) {
      const read = allowed(decide(`patient/${type}.rs`, { interaction: 'read', resourceType: type, id: 'x' }));
      assert.deepEqual(read.constraints, { kind: 'none' }, type);
      assert.match(read.reason, /outside the patient compartment/);
      allowed(decide('patient/*.read', { interaction: 'search-type', resourceType: type }));
      denied(decide('patient/*.*', { interaction: 'update', resourceType: type, id: 'x' }), /may read it by reference, not update it/);
    }
  });

  it('Device (listed without a parameter in R4) is confined by its patient parameter', () => {
    const decision = allowed(decide('patient/Device.rs', { interaction: 'search-type', resourceType: 'Device' }));
    assert.deepEqual(decision.constraints.kind === 'any-of' && decision.constraints.clauses[0]?.compartment, {
      kind: 'patient-link',
      patientId: 'pt-1',
      resourceType: 'Device',
      params: ['patient'],
    });
  });

  it('types outside the compartment are unreachable with patient/ scopes', () => {
    denied(decide('patient/*.rs', { interaction: 'search-type', resourceType: 'Library' }), /Library is not in the patient compartment/);
    denied(decide('patient/ValueSet.rs', { interaction: 'read', resourceType: 'ValueSet', id: 'v' }));
    allowed(decide('user/ValueSet.rs', { interaction: 'read', resourceType: 'ValueSet', id: 'v' }));
  });

  it('patient/ scopes without a patient in context reach nothing', () => {
    denied(decide('patient/Observation.rs', { interaction: 'search-type', resourceType: 'Observation' }, null), /needs a patient in context/);
    denied(decide('patient/Practitioner.rs', { interaction: 'read', resourceType: 'Practitioner', id: 'x' }, null));
  });

  it('a user/ scope next to a patient/ one lifts the confinement', () => {
    const decision = allowed(decide('patient/Observation.rs user/Observation.rs', { interaction: 'search-type', resourceType: 'Observation' }));
    assert.deepEqual(decision.constraints, { kind: 'none' });
    assert.deepEqual(decision.scopes, ['user/Observation.rs']);
  });
});

describe('decideFhirAccess: granular scopes', () => {
  it('a granular scope filters reads and searches by its query, inside the compartment', () => {
    for (const interaction of ['read', 'search-type'] as const) {
      const decision = allowed(decide(`patient/Observation.rs?${LAB}`, { interaction, resourceType: 'Observation', id: 'o1' }));
      assert.deepEqual(decision.constraints, {
        kind: 'any-of',
        clauses: [
          {
            scope: `patient/Observation.rs?${LAB}`,
            compartment: { kind: 'patient-link', patientId: 'pt-1', resourceType: 'Observation', params: ['subject', 'performer'] },
            query: [['category', LAB.slice('category='.length)]],
          },
        ],
      });
      assert.match(decision.reason, /where category=http:\/\/terminology\.hl7\.org\/CodeSystem\/observation-category\|laboratory/);
    }
  });

  it('several granular scopes on one type combine with OR', () => {
    const decision = allowed(decide(`patient/Observation.rs?${LAB} patient/Observation.rs?${VITALS} patient/Condition.rs`, {
      interaction: 'search-type',
      resourceType: 'Observation',
    }));
    assert.equal(decision.constraints.kind, 'any-of');
    const clauses = decision.constraints.kind === 'any-of' ? decision.constraints.clauses : [];
    assert.deepEqual(clauses.map((c) => c.query?.[0]?.[1].split('|')[1]), ['laboratory', 'vital-signs']);
    assert.deepEqual(decision.scopes, [`patient/Observation.rs?${LAB}`, `patient/Observation.rs?${VITALS}`]);
    assert.match(decision.reason, /laboratory.*; or .*vital-signs/);
  });

  it('a resource-level scope on the same type lifts the filter', () => {
    const decision = allowed(decide(`patient/Observation.rs?${LAB} patient/Observation.rs`, { interaction: 'search-type', resourceType: 'Observation' }));
    assert.deepEqual(decision.constraints, {
      kind: 'any-of',
      clauses: [
        {
          scope: 'patient/Observation.rs',
          compartment: { kind: 'patient-link', patientId: 'pt-1', resourceType: 'Observation', params: ['subject', 'performer'] },
        },
      ],
    });
    const wildcard = allowed(decide(`patient/Observation.rs?${LAB} patient/*.read`, { interaction: 'read', resourceType: 'Observation', id: 'o' }));
    assert.equal(wildcard.constraints.kind === 'any-of' && wildcard.constraints.clauses.length, 1);
    assert.equal(wildcard.constraints.kind === 'any-of' && wildcard.constraints.clauses[0]?.query, undefined);
  });

  it('a granular scope without the needed permission does not filter anything in', () => {
    denied(decide(`patient/Observation.r?${LAB}`, { interaction: 'search-type', resourceType: 'Observation' }), /needs 's'/);
    const decision = allowed(decide(`patient/Observation.r?${LAB} patient/Observation.s`, { interaction: 'search-type', resourceType: 'Observation' }));
    assert.equal(decision.constraints.kind === 'any-of' && decision.constraints.clauses[0]?.query, undefined);
  });

  it('granular user/ scopes filter without a compartment', () => {
    const decision = allowed(decide(`user/Observation.rs?${LAB}`, { interaction: 'search-type', resourceType: 'Observation' }));
    assert.deepEqual(decision.constraints, { kind: 'any-of', clauses: [{ scope: `user/Observation.rs?${LAB}`, query: [['category', LAB.slice(9)]] }] });
  });

  it("the g10 granular launch: Condition and Observation filtered, other types denied", () => {
    const scopes = [
      'launch/patient openid fhirUser offline_access',
      'patient/Condition.rs?category=http://terminology.hl7.org/CodeSystem/condition-category|encounter-diagnosis',
      'patient/Condition.rs?category=http://hl7.org/fhir/us/core/CodeSystem/condition-category|health-concern',
      `patient/Observation.rs?${LAB}`,
      'patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category|social-history',
    ].join(' ');
    const condition = allowed(decide(scopes, { interaction: 'search-type', resourceType: 'Condition' }));
    assert.equal(condition.constraints.kind === 'any-of' && condition.constraints.clauses.length, 2);
    const observation = allowed(decide(scopes, { interaction: 'read', resourceType: 'Observation', id: 'o' }));
    assert.equal(observation.constraints.kind === 'any-of' && observation.constraints.clauses.length, 2);
    denied(decide(scopes, { interaction: 'search-type', resourceType: 'Patient' }));
    denied(decide(scopes, { interaction: 'search-type', resourceType: 'Encounter' }));
  });
});
