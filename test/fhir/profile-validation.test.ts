import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { OutcomeIssue } from '../../src/fhir/outcome.ts';
import { FhirError } from '../../src/fhir/outcome.ts';
import { loadProfileDefinitions } from '../../src/fhir/profiles/profile-definitions.ts';
import type { CodeValidity, ProfileTerminology } from '../../src/fhir/profiles/profile-terminology.ts';
import { shippedTerminology } from '../../src/fhir/terminology/shipped-terminology.ts';
import { profilesCheck, shippedProfiles } from '../../src/fhir/validation/checks/profiles.ts';
import { createResourceValidation, type InspectOptions } from '../../src/fhir/validation/validate-resource.ts';
import { validationChecks, type ValidationSettings } from '../../src/fhir/validation/validation-checks.ts';
import { definitions } from '../support/portico.ts';

const US_CORE = 'http://hl7.org/fhir/us/core/StructureDefinition/';
const WRITE_SETTINGS: ValidationSettings = { unknownExtensions: 'warn', profiles: 'write' };
const validation = (settings = WRITE_SETTINGS) => createResourceValidation(definitions(), validationChecks({ definitions: definitions(), settings }), settings);
const { inspect, validate } = validation();

const OMB_RACE = 'urn:oid:2.16.840.1.113883.6.238';
const raceExtension = (parts: Record<string, unknown>[]) => ({ url: `${US_CORE}us-core-race`, extension: parts });

/** As JSON carries it: a property given as undefined is absent. */
const json = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

const patient = (extra: Record<string, unknown> = {}) => json({
  resourceType: 'Patient',
  meta: { profile: [`${US_CORE}us-core-patient`] },
  identifier: [{ system: 'http://hospital.example.org/mrn', value: 'MRN1' }],
  name: [{ family: 'Shaw', given: ['Amy'] }],
  gender: 'female',
  ...extra,
});

const heartRate = (extra: Record<string, unknown> = {}) => json({
  resourceType: 'Observation',
  meta: { profile: [`${US_CORE}us-core-vital-signs`] },
  status: 'final',
  category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' }] }],
  code: { coding: [{ system: 'http://loinc.org', code: '8867-4' }] },
  subject: { reference: 'Patient/p1' },
  effectiveDateTime: '2024-05-01T10:00:00Z',
  valueQuantity: { value: 72, unit: '/min', system: 'http://unitsofmeasure.org', code: '/min' },
  ...extra,
});

const errors = (issues: readonly OutcomeIssue[]) => issues.filter((i) => i.severity === 'error');
const where = (issues: readonly OutcomeIssue[]) => issues.map((i) => i.expression?.[0] ?? '');

function report(value: unknown, options: InspectOptions = { purpose: 'validate' }) {
  return inspect(value, options);
}

function assertValid(value: unknown) {
  const { issues, valid } = report(value);
  assert.deepEqual(errors(issues), [], JSON.stringify(issues, null, 1));
  assert.equal(valid, true);
}

/** The errors, each at the expected location, each diagnostic naming the profile. */
function assertErrors(value: unknown, expected: string[], profile: string) {
  const found = errors(report(value).issues);
  assert.deepEqual(where(found).sort(), [...expected].sort(), JSON.stringify(found, null, 1));
  for (const i of found) assert.ok(i.diagnostics?.startsWith(`${profile}`), i.diagnostics);
  return found;
}

describe('profile validation against US Core 6.1.0', () => {
  it('us-core-patient: an identifier is required (1..*), and each needs system and value', () => {
    assertValid(patient());
    const [missing] = assertErrors(patient({ identifier: undefined }), ['Patient.identifier'], 'us-core-patient');
    assert.equal(missing?.code, 'required');
    assert.match(missing?.diagnostics ?? '', /^us-core-patient: Patient\.identifier: minimum 1, found 0$/);
    assertErrors(patient({ identifier: [{ value: 'MRN1' }] }), ['Patient.identifier[0].system'], 'us-core-patient');
  });

  it('us-core-patient: us-core-6, a name needs a family or given name, or a data-absent-reason', () => {
    const [invariant] = assertErrors(patient({ name: [{ use: 'official', text: 'Amy Shaw' }] }), ['Patient.name[0]'], 'us-core-patient');
    assert.equal(invariant?.code, 'invariant');
    assert.match(invariant?.diagnostics ?? '', /us-core-6/);
    assertValid(patient({ name: [{ extension: [{ url: 'http://hl7.org/fhir/StructureDefinition/data-absent-reason', valueCode: 'unknown' }] }] }));
  });

  it('us-core-patient: telecom entries need a system and a value', () => {
    assertValid(patient({ telecom: [{ system: 'phone', value: '555-0100' }] }));
    assertErrors(patient({ telecom: [{ use: 'home' }] }), ['Patient.telecom[0].system', 'Patient.telecom[0].value'], 'us-core-patient');
  });

  it('validates the race extension by its own definition: text required, the OMB slices typed', () => {
    const omb = { url: 'ombCategory', valueCoding: { system: OMB_RACE, code: '2106-3', display: 'White' } };
    const text = { url: 'text', valueString: 'White' };
    assertValid(patient({ extension: [raceExtension([omb, text])] }));
    assertValid(patient({ extension: [raceExtension([text])] }));

    const [noText] = assertErrors(patient({ extension: [raceExtension([omb])] }), ['Patient.extension[0].extension:text'], 'us-core-patient');
    assert.match(noText?.diagnostics ?? '', /us-core-race/);
    // Nothing at all inside: Extension.extension is 1..* and the text slice 1..1.
    // (The base rules add ext-1, a value or parts, at the extension itself.)
    const empty = errors(report(patient({ extension: [{ url: `${US_CORE}us-core-race` }] })).issues);
    assert.deepEqual(where(empty).sort(), ['Patient.extension[0]', 'Patient.extension[0].extension', 'Patient.extension[0].extension:text'], JSON.stringify(empty, null, 1));
    // ombCategory's value must be a Coding; the race extension itself has no value (the profile says so, as do the
    // extension's own definition and ext-1, reported by the base rules).
    const mistyped = errors(report(patient({ extension: [{ ...raceExtension([{ url: 'ombCategory', valueString: 'White' }, text]), valueString: 'White' }] })).issues);
    assert.deepEqual(where(mistyped.filter((i) => i.diagnostics?.startsWith('us-core-patient'))).sort(), ['Patient.extension[0].extension[0].value.ofType(String)', 'Patient.extension[0].value']);
    // At most one race extension (the slice is 0..1).
    const twice = assertErrors(patient({ extension: [raceExtension([text]), raceExtension([text])] }), ['Patient.extension:race'], 'us-core-patient');
    assert.match(twice[0]?.diagnostics ?? '', /maximum 1, found 2/);
  });

  it('us-core-vital-signs: the vital-signs category slice is required', () => {
    assertValid(heartRate());
    // Another category besides it is fine (the slicing is open).
    assertValid(heartRate({ category: [{ text: 'other' }, heartRate().category[0]] }));
    const [missing] = assertErrors(heartRate({ category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'laboratory' }] }] }), ['Observation.category:VSCat'], 'us-core-vital-signs');
    assert.match(missing?.diagnostics ?? '', /^us-core-vital-signs: Observation\.category:VSCat: minimum 1, found 0$/);
  });

  it('us-core-vital-signs: the subject a Patient, vs-1 on the date (from the R4 vitalsigns base)', () => {
    assertErrors(heartRate({ subject: { reference: 'Group/g1' } }), ['Observation.subject.reference'], 'us-core-vital-signs');
    assertErrors(heartRate({ effectiveDateTime: '2024' }), ['Observation.effective.ofType(DateTime)'], 'us-core-vital-signs');
  });

  it('us-core-blood-pressure: systolic and diastolic component slices, with fixed units', () => {
    const component = (code: string, unit = 'mm[Hg]') => ({
      code: { coding: [{ system: 'http://loinc.org', code }] },
      valueQuantity: { value: 120, unit, system: 'http://unitsofmeasure.org', code: unit },
    });
    const bp = (components: unknown[]) => json({
      ...heartRate({ valueQuantity: undefined, component: components }),
      meta: { profile: [`${US_CORE}us-core-blood-pressure`] },
      code: { coding: [{ system: 'http://loinc.org', code: '85354-9' }] },
    });
    assertValid(bp([component('8480-6'), component('8462-4')]));
    assertErrors(bp([component('8480-6'), component('8480-6')]), ['Observation.component:systolic', 'Observation.component:diastolic'], 'us-core-blood-pressure');
    assertErrors(bp([component('8480-6')]), ['Observation.component', 'Observation.component:diastolic'], 'us-core-blood-pressure');
    assertErrors(bp([component('8480-6', 'kPa'), component('8462-4')]), ['Observation.component[0].value.ofType(Quantity).code'], 'us-core-blood-pressure');
  });

  it('us-core-practitionerrole: pd-1, contact details or an endpoint', () => {
    const role = (extra: Record<string, unknown>) => ({
      resourceType: 'PractitionerRole',
      meta: { profile: [`${US_CORE}us-core-practitionerrole`] },
      practitioner: { reference: 'Practitioner/p1' },
      ...extra,
    });
    assertValid(role({ telecom: [{ system: 'phone', value: '555-0100' }] }));
    assertValid(role({ endpoint: [{ reference: 'Endpoint/e1' }] }));
    const [pd1] = assertErrors(role({}), ['PractitionerRole'], 'us-core-practitionerrole');
    assert.match(pd1?.diagnostics ?? '', /pd-1/);
  });

  it('us-core-provenance: author and transmitter agents are told apart by their type pattern', () => {
    const agent = (system: string, code: string) => ({ type: { coding: [{ system, code }] }, who: { reference: 'Organization/o1' } });
    const provenance = (agents: unknown[]) => ({
      resourceType: 'Provenance',
      meta: { profile: [`${US_CORE}us-core-provenance`] },
      target: [{ reference: 'Patient/p1' }],
      recorded: '2024-05-01T10:00:00Z',
      agent: agents,
    });
    const author = agent('http://terminology.hl7.org/CodeSystem/provenance-participant-type', 'author');
    const transmitter = agent('http://hl7.org/fhir/us/core/CodeSystem/us-core-provenance-participant-type', 'transmitter');
    assertValid(provenance([author, transmitter]));
    // Both slices are optional (0..*): an agent of another type is allowed (the slicing is open).
    assertValid(provenance([agent('http://terminology.hl7.org/CodeSystem/provenance-participant-type', 'performer')]));
    // An agent may not name a Location: the R4 base already refuses it, so it is reported once, by the base rules.
    const location = errors(report(provenance([{ ...author, who: { reference: 'Location/l1' } }])).issues);
    assert.deepEqual(where(location), ['Provenance.agent[0].who.reference'], JSON.stringify(location, null, 1));
  });

  it('a profile for another resource type is an error; one the server does not have, a warning', () => {
    const [wrong] = errors(report({ ...heartRate(), meta: { profile: [`${US_CORE}us-core-patient`] } }).issues);
    assert.match(wrong?.diagnostics ?? '', /constrains Patient, not Observation/);

    const unknownProfile = 'http://example.org/fhir/StructureDefinition/my-patient';
    const { issues: all, valid } = report(patient({ meta: { profile: [unknownProfile] }, identifier: undefined }));
    // Leaving out the best-practice invariant dom-6 (a resource should have narrative).
    const issues = all.filter((i) => !i.diagnostics?.startsWith('dom-6'));
    assert.equal(valid, true);
    assert.equal(issues.length, 1, JSON.stringify(issues));
    assert.equal(issues[0]?.severity, 'warning');
    assert.match(issues[0]?.diagnostics ?? '', /my-patient is not known/);
    assert.doesNotThrow(() => validate(patient({ meta: { profile: [unknownProfile] } })));
    assert.equal(issues[0]?.expression?.[0], 'Patient.meta.profile');

    // A canonical with a version: the shipped one is validated against, another is not known.
    assertErrors(patient({ meta: { profile: [`${US_CORE}us-core-patient|6.1.0`] }, identifier: undefined }), ['Patient.identifier'], 'us-core-patient');
    const other = report(patient({ meta: { profile: [`${US_CORE}us-core-patient|7.0.0`] }, identifier: undefined }));
    assert.equal(other.valid, true);
    assert.deepEqual(other.issues.filter((i) => !i.diagnostics?.startsWith('dom-6')).map((i) => i.severity), ['warning']);
  });

  it("validates against $validate's profile parameter too, whatever meta.profile says", () => {
    const plain = { resourceType: 'Patient', gender: 'female' };
    assertValid(plain);
    const found = errors(inspect(plain, { purpose: 'validate', profiles: [`${US_CORE}us-core-patient`] }).issues);
    assert.deepEqual(where(found).sort(), ['Patient.identifier', 'Patient.name']);
  });

  it('writes refuse a resource that breaks its profile with 422; VALIDATE_PROFILES=validate-only lets writes skip profiles', () => {
    const bad = patient({ identifier: undefined });
    assert.doesNotThrow(() => validate(patient()));
    assert.throws(() => validate(bad), (e: unknown) => e instanceof FhirError && e.status === 422 && e.outcome.issue.some((i) => i.expression?.[0] === 'Patient.identifier'));

    const lenient = validation({ unknownExtensions: 'warn', profiles: 'validate-only' });
    assert.doesNotThrow(() => lenient.validate(bad));
    // $validate still checks them.
    assert.deepEqual(where(errors(lenient.inspect(bad, { purpose: 'validate' }).issues)), ['Patient.identifier']);
  });
});

/**
 * A terminology answering from the shipped value sets' enumerated concepts (what the server's terminology
 * service does for these; anything else is unknown), to show how the profiles check uses one.
 */
function enumeratedTerminology(): ProfileTerminology {
  const sets = new Map<string, { system: string; codes: Set<string> }[]>();
  for (const vs of loadProfileDefinitions().valueSets) {
    const includes = ((vs.compose as { include?: { system?: string; concept?: { code: string }[] }[] } | undefined)?.include ?? []);
    if (includes.every((i) => i.system && i.concept)) {
      sets.set(vs.url as string, includes.map((i) => ({ system: i.system ?? '', codes: new Set((i.concept ?? []).map((c) => c.code)) })));
    }
  }
  return {
    validateCode(url, code, system): CodeValidity {
      const includes = sets.get(url);
      if (!includes) return 'unknown';
      return includes.some((i) => (system === undefined || i.system === system) && i.codes.has(code)) ? 'valid' : 'invalid';
    },
  };
}

describe('profile bindings, with a terminology', () => {
  const check = profilesCheck({ terminology: enumeratedTerminology() });
  const run = (resource: Record<string, unknown>) => {
    const issues: OutcomeIssue[] = [];
    check.run({ resource, resourceType: String(resource.resourceType), profiles: (resource.meta as { profile: string[] }).profile, purpose: 'validate' }, (i) => issues.push(i));
    return issues;
  };

  const carePlan = (status: string) => ({
    resourceType: 'CarePlan',
    meta: { profile: [`${US_CORE}us-core-careplan`] },
    text: { status, div: '<div xmlns="http://www.w3.org/1999/xhtml">Plan</div>' },
    status: 'active',
    intent: 'plan',
    category: [{ coding: [{ system: 'http://hl7.org/fhir/us/core/CodeSystem/careplan-category', code: 'assess-plan' }] }],
    subject: { reference: 'Patient/p1' },
  });

  it('a code outside a required binding is an error', () => {
    assert.deepEqual(run(carePlan('generated')), []);
    const issues = run(carePlan('empty'));
    assert.deepEqual(where(issues), ['CarePlan.text.status']);
    assert.equal(issues[0]?.severity, 'error');
    assert.equal(issues[0]?.code, 'code-invalid');
    assert.match(issues[0]?.diagnostics ?? '', /^us-core-careplan: CarePlan\.text\.status: .*us-core-narrative-status \(required binding\)/);
  });

  it('slices told apart by a required binding alone: the value set decides (Condition.category:us-core)', () => {
    const condition = (category: string) => ({
      resourceType: 'Condition',
      meta: { profile: [`${US_CORE}us-core-condition-problems-health-concerns`] },
      category: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/condition-category', code: category }] }],
      code: { text: 'Hypertension' },
      subject: { reference: 'Patient/p1' },
    });
    assert.deepEqual(run(condition('problem-list-item')), []);
    assert.deepEqual(where(run(condition('encounter-diagnosis'))), ['Condition.category:us-core']);
    // Without a terminology the slice cannot be told, and is not reported.
    const issues: OutcomeIssue[] = [];
    const resource = condition('encounter-diagnosis');
    profilesCheck().run({ resource, resourceType: 'Condition', profiles: resource.meta.profile, purpose: 'validate' }, (i) => issues.push(i));
    assert.deepEqual(issues, []);
  });

  it('without a terminology, bindings are not checked', () => {
    const issues: OutcomeIssue[] = [];
    const resource = carePlan('empty');
    profilesCheck().run({ resource, resourceType: 'CarePlan', profiles: resource.meta.profile, purpose: 'validate' }, (i) => issues.push(i));
    assert.deepEqual(issues, []);
  });

  it('with the terminology: a code the R4 base binding refuses is reported once, by the base rules, when a profile restates that binding', () => {
    const settings: ValidationSettings = { unknownExtensions: 'warn', profiles: 'write' };
    const { inspect: withTerminology } = createResourceValidation(definitions(), validationChecks({ definitions: definitions(), settings, terminology: shippedTerminology(shippedProfiles()) }), settings);
    assert.deepEqual(errors(withTerminology(patient(), { purpose: 'validate' }).issues), []);
    const found = errors(withTerminology(patient({ gender: 'sometimes' }), { purpose: 'validate' }).issues);
    assert.deepEqual(where(found), ['Patient.gender'], JSON.stringify(found, null, 1));
    assert.match(found[0]?.diagnostics ?? '', /administrative-gender/);
  });
});
