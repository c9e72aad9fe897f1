import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource } from '../../src/fhir/resource.ts';
import { generatePopulation, patientResources } from '../../src/sandbox/fhir/population.ts';
import { DEMO_TENANT_SEED, SANDBOX_START_SEED } from '../../src/sandbox/fhir/seed-population.ts';
import { createRng } from '../../src/sandbox/fhir/prng.ts';
import { US_CORE_PROFILES } from '../../src/fhir/us-core/profiles.ts';
import { createResourceValidation, createValidator } from '../../src/fhir/validation/validate-resource.ts';
import { validationChecks, type ValidationSettings } from '../../src/fhir/validation/validation-checks.ts';
import { definitions } from '../support/portico.ts';

const population = (seed = 'demo', patients = 25): Resource[] =>
  [...generatePopulation({ seed, patients })].flatMap((chunk) => chunk.resources);

const resources = population();
const key = (r: Resource) => `${r.resourceType}/${r.id ?? ''}`;
const byKey = new Map(resources.map((r) => [key(r), r]));

/** Every `reference` string and attachment `url` anywhere in a resource (contained references excluded). */
function references(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) references(v, out);
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if ((k === 'reference' || (k === 'url' && /^[A-Z][A-Za-z]+\//.test(String(v)))) && typeof v === 'string') out.push(v);
      else references(v, out);
    }
  }
  return out;
}

const observationsOf = (patient: string) =>
  resources.filter((r) => r.resourceType === 'Observation' && (r.subject as { reference: string }).reference === `Patient/${patient}`);
const codes = (r: Resource, element = 'code') => ((r[element] as { coding?: { code: string }[] } | undefined)?.coding ?? []).map((c) => c.code);

describe('sandbox population', () => {
  it('is deterministic: two generations are equal, another seed differs', () => {
    assert.equal(JSON.stringify(population()), JSON.stringify(resources));
    assert.notEqual(JSON.stringify(population('other')), JSON.stringify(resources));
  });

  it("gives a patient the same data whatever the population's size", () => {
    const chunk = [...generatePopulation({ seed: 'demo', patients: 8 })].find((c) => c.kind === 'patient' && c.index === 7);
    assert.deepEqual(chunk?.resources, patientResources('demo', 7));
  });

  it('the PRNG is seeded: same seed, same stream', () => {
    const a = createRng('x');
    const b = createRng('x');
    const draws = Array.from({ length: 5 }, () => a.next());
    assert.deepEqual(Array.from({ length: 5 }, () => b.next()), draws);
    assert.ok(draws.every((d) => d >= 0 && d < 1));
    assert.notDeepEqual(Array.from({ length: 5 }, () => createRng('y').next()), draws.slice(0, 1));
  });

  it('has the Group sandbox-patients listing every patient (the Bulk Data Group export)', () => {
    const groups = resources.filter((r) => r.resourceType === 'Group');
    assert.equal(groups.length, 1);
    assert.equal(groups[0]?.id, 'sandbox-patients');
    const members = (groups[0]?.member as { entity: { reference: string } }[]).map((m) => m.entity.reference);
    const patients = resources.filter((r) => r.resourceType === 'Patient').map((r) => `Patient/${r.id}`);
    assert.deepEqual(members, patients);
  });

  it('has at least 25 patients with deterministic ids, test-pt-1 first, and unique resource ids', () => {
    const patients = resources.filter((r) => r.resourceType === 'Patient').map((r) => r.id);
    assert.equal(patients.length, 25);
    assert.equal(patients[0], 'test-pt-1');
    assert.equal(patients[1], 'pt-00002');
    assert.equal(byKey.size, resources.length, 'no two resources share type and id');
    for (const r of resources) assert.match(r.id ?? '', /^[A-Za-z0-9\-.]{1,64}$/);
  });

  it('covers every US Core resource type and every US Core 6.1.0 profile', () => {
    const types = new Set(resources.map((r) => r.resourceType));
    for (const type of Object.keys(US_CORE_PROFILES)) assert.ok(types.has(type), `no ${type}`);
    const declared = new Set(resources.flatMap((r) => r.meta?.profile ?? []));
    const missing = Object.values(US_CORE_PROFILES).flat().filter((url) => !declared.has(url));
    assert.deepEqual(missing, []);
  });

  it('resolves every reference within the population', () => {
    const dangling: string[] = [];
    for (const r of resources) {
      const contained = new Set(((r.contained as Resource[] | undefined) ?? []).map((c) => `#${c.id ?? ''}`));
      for (const ref of references(r)) {
        if (ref.startsWith('#') ? !contained.has(ref) : !byKey.has(ref)) dangling.push(`${key(r)} -> ${ref}`);
      }
    }
    assert.deepEqual(dangling, []);
  });

  it('gives test-pt-1 at least two HbA1c laboratory results in %', () => {
    const a1c = observationsOf('test-pt-1').filter((o) => codes(o).includes('4548-4'));
    assert.ok(a1c.length >= 2, `found ${a1c.length}`);
    for (const o of a1c) {
      assert.ok(JSON.stringify(o.category).includes('"laboratory"'));
      const q = o.valueQuantity as { value: number; system: string; code: string };
      assert.equal(q.system, 'http://unitsofmeasure.org');
      assert.equal(q.code, '%');
      assert.equal(typeof q.value, 'number');
    }
  });

  it('carries the US Core details certification looks for', () => {
    const json = JSON.stringify(resources);
    const patient = byKey.get('Patient/test-pt-1');
    const extensions = ((patient?.extension as { url: string }[]) ?? []).map((e) => e.url.split('/').pop());
    for (const ext of ['us-core-race', 'us-core-ethnicity', 'us-core-birthsex', 'us-core-genderIdentity', 'us-core-tribal-affiliation']) {
      assert.ok(extensions.includes(ext), `test-pt-1 lacks ${ext}`);
    }
    for (const category of ['encounter-diagnosis', 'problem-list-item', 'health-concern']) assert.ok(json.includes(`"code":"${category}"`), category);
    for (const category of ['laboratory', 'vital-signs', 'social-history', 'survey', 'sdoh', 'exam', 'imaging']) {
      assert.ok(resources.some((r) => r.resourceType === 'Observation' && JSON.stringify(r.category).includes(`"code":"${category}"`)), category);
    }
    // Missing data as US Core 6.1.0 says (general-requirements.html#missing-data): an optional element left out
    // (patients who declined contact details have no telecom), a required value replaced by a dataAbsentReason.
    const declined = resources.filter((r) => r.resourceType === 'Patient' && r.telecom === undefined);
    assert.ok(declined.length > 0, 'a patient without telecom');
    assert.ok(!json.includes('http://hl7.org/fhir/StructureDefinition/data-absent-reason'), 'no data-absent-reason extension on an optional element');
    assert.ok(resources.some((r) => r.dataAbsentReason), 'an Observation.dataAbsentReason');
    assert.ok(resources.some((r) => r.resourceType === 'DocumentReference' && JSON.stringify(r.content).includes('"data":')), 'base64 attachment');
    const medRefs = resources.filter((r) => r.resourceType === 'MedicationRequest' && r.medicationReference).map((r) => (r.medicationReference as { reference: string }).reference);
    assert.ok(medRefs.some((ref) => ref.startsWith('#')) && medRefs.some((ref) => ref.startsWith('Medication/')));
    const provenance = resources.filter((r) => r.resourceType === 'Provenance');
    assert.equal(provenance.length, 25);
    assert.ok(references(provenance[0]?.target).some((t) => t.startsWith('Condition/')));
  });

  it('passes R4 structure validation, every resource', () => {
    const validate = createValidator(definitions());
    const failures: string[] = [];
    for (const r of resources) {
      try {
        validate(r, r.resourceType);
      } catch (err) {
        const outcome = (err as { outcome?: { issue: { diagnostics?: string; expression?: string[] }[] } }).outcome;
        failures.push(`${key(r)}: ${outcome ? outcome.issue.map((i) => `${i.expression?.join(',') ?? ''} ${i.diagnostics ?? ''}`).join('; ') : String(err)}`);
      }
    }
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} invalid resources`);
  });

  // The sandbox's start seeds the two populations below without validating them again: this is their validation.
  it('passes the server\'s own validation with every check and its US Core 6.1.0 profiles, every resource of both start seeds', () => {
    const settings: ValidationSettings = { unknownExtensions: 'warn', profiles: 'write' };
    const { inspect } = createResourceValidation(definitions(), validationChecks({ definitions: definitions(), settings }), settings);
    const profiled = new Set<string>();
    const failures: string[] = [];
    const seeds = [SANDBOX_START_SEED, DEMO_TENANT_SEED].flatMap(({ seed, patients }) => population(seed, patients));
    assert.ok(seeds.length > resources.length);
    for (const r of seeds) {
      for (const url of r.meta?.profile ?? []) profiled.add(url);
      const report = inspect(r, { purpose: 'write', expectedType: r.resourceType });
      const errors = report.issues.filter((i) => i.severity === 'error' || i.severity === 'fatal');
      if (errors.length > 0) failures.push(`${key(r)}: ${errors.map((i) => i.diagnostics).join('; ')}`);
      // Every profile claimed is one the server has: none is skipped with a warning.
      const unknown = report.issues.filter((i) => i.code === 'not-supported');
      assert.deepEqual(unknown, [], `${key(r)} claims a profile the server does not have`);
    }
    assert.deepEqual(failures.slice(0, 20), [], `${failures.length} resources rejected`);
    assert.ok(profiled.size >= Object.values(US_CORE_PROFILES).flat().length, `profiles exercised: ${profiled.size}`);
  });
});
