import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Resource } from '../../src/fhir/resource.ts';
import { loadProfileDefinitions, type ProfileDefinitions, type ProfileStructure } from '../../src/fhir/profiles/profile-definitions.ts';
import { profilesCheck } from '../../src/fhir/validation/checks/profiles.ts';
import { createResourceValidation } from '../../src/fhir/validation/validate-resource.ts';
import { validationChecks, type ValidationSettings } from '../../src/fhir/validation/validation-checks.ts';
import { SeedRefusedError, seedPopulation } from '../../src/sandbox/fhir/seed-population.ts';
import type { SeedLedger, SeedRange } from '../../src/sandbox/fhir/seed-ledger.ts';
import { definitions } from '../support/portico.ts';

const SETTINGS: ValidationSettings = { unknownExtensions: 'warn', profiles: 'write' };

/** A ledger in memory: what seeding would have written, batch by batch. */
function memoryLedger() {
  const batches: { range: SeedRange; resources: Resource[] }[] = [];
  const ledger: SeedLedger = {
    completed: async () => batches.map((b) => b.range),
    write: async (_seed, range, resources) => {
      batches.push({ range, resources });
      return true;
    },
  };
  return { ledger, batches, written: () => batches.flatMap((b) => b.resources.map((r) => `${r.resourceType}/${r.id}`)) };
}

/** The shipped US Core with us-core-patient asking for a telecom (1..*), which some sandbox patients lack. */
function telecomRequired(): ProfileDefinitions {
  const shipped = loadProfileDefinitions();
  const url = 'http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient';
  const patient = shipped.structures.get(url) as ProfileStructure;
  const stricter: ProfileStructure = { ...patient, differential: { element: [...patient.differential.element, { id: 'Patient.telecom', path: 'Patient.telecom', min: 1 }] } };
  return { ...shipped, structures: new Map([...shipped.structures, [url, stricter]]) };
}

describe('seeding goes through the server\'s own validation', () => {
  it('writes the whole population when every resource is valid', async () => {
    const { validate } = createResourceValidation(definitions(), validationChecks({ definitions: definitions(), settings: SETTINGS }), SETTINGS);
    const { ledger, written } = memoryLedger();
    const progress = await seedPopulation(ledger, { seed: 'demo', patients: 6, batchSize: 2, validate });
    assert.equal(progress.patientsDone, 6);
    assert.ok(written().includes('Patient/pt-00005'));
  });

  it('refuses a resource the validator rejects, naming it and its issues, before its batch is written', async () => {
    const { validate } = createResourceValidation(definitions(), [profilesCheck({ definitions: telecomRequired() })], SETTINGS);
    const { ledger, batches, written } = memoryLedger();
    // Patient 5 (pt-00005) declined to give contact details: no telecom.
    const refused = await seedPopulation(ledger, { seed: 'demo', patients: 6, batchSize: 2, validate }).then(
      () => assert.fail('seeding should have been refused'),
      (err: unknown) => err,
    );
    assert.ok(refused instanceof SeedRefusedError, String(refused));
    assert.equal(refused.resource, 'Patient/pt-00005');
    assert.deepEqual(refused.issues, ['us-core-patient: Patient.telecom: minimum 1, found 0']);
    assert.match(refused.message, /^Refusing to seed Patient\/pt-00005: .*us-core-patient: Patient\.telecom: minimum 1, found 0/);
    // Nothing of the refused patient's batch (patients 5 and 6) was written; the complete valid batches before it were.
    assert.ok(!written().some((r) => r.startsWith('Patient/pt-00005') || r.startsWith('Patient/pt-00006')));
    assert.deepEqual(batches.map((b) => b.range), [{ first: -1, last: -1 }, { first: 0, last: 1 }, { first: 2, last: 3 }]);
  });
});
