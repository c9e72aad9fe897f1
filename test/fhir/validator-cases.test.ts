import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadDefinitions } from '../../src/fhir/definitions.ts';
import { shippedTerminology } from '../../src/fhir/terminology/shipped-terminology.ts';
import { shippedProfiles } from '../../src/fhir/validation/checks/profiles.ts';
import { createResourceValidation } from '../../src/fhir/validation/validate-resource.ts';
import { validationChecks, type ValidationSettings } from '../../src/fhir/validation/validation-checks.ts';
import { agrees, runCases, shippedCases } from '../../scripts/validator-case-runner.ts';

/**
 * The HL7 validator test cases shipped in test/fixtures/fhir-test-cases, through the validation every write
 * and $validate use (the real checks table, default settings). The floor is the agreement reached so far:
 * a change that loses agreement with the Java reference validator fails here instead of going unnoticed.
 */
const AGREEMENT_FLOOR = 106;
const DEFAULTS: ValidationSettings = { unknownExtensions: 'warn', profiles: 'write' };

describe('HL7 validator test cases (R4)', () => {
  const cases = shippedCases();
  const definitions = loadDefinitions();
  const { inspect } = createResourceValidation(definitions, validationChecks({ definitions, settings: DEFAULTS, terminology: shippedTerminology(shippedProfiles()) }), DEFAULTS);
  const results = runCases(inspect, cases);

  it('ships the selected 129 cases: 45 the reference accepts, 84 it refuses', () => {
    assert.equal(cases.length, 129);
    assert.equal(results.filter((r) => r.expectedValid).length, 45);
  });

  it(`agrees with the Java validator on at least ${AGREEMENT_FLOOR} cases`, () => {
    const disagreements = results.filter((r) => !agrees(r)).map((r) => `${r.name}: expected ${r.expectedValid ? 'valid' : 'invalid'}`);
    const agreed = results.length - disagreements.length;
    assert.ok(agreed >= AGREEMENT_FLOOR, `agreement fell to ${agreed} of ${results.length}; disagreements:\n${disagreements.join('\n')}`);
  });
});
