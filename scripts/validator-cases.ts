/**
 * `npm run validator-cases`: runs the shipped HL7 validator test cases (test/fixtures/fhir-test-cases)
 * through Portico's validation with the real checks table and default settings, and prints how often
 * Portico agrees with the Java reference validator, then every disagreement.
 *
 *   npm run validator-cases                       the shipped cases
 *   npm run validator-cases -- --verbose          also the issues of each disagreement in full
 *   npm run validator-cases -- --unknown-extensions=error
 *                                                 with VALIDATION_UNKNOWN_EXTENSIONS=error (as the reference does)
 *   npm run validator-cases -- --import <dir> <commit>
 *                                                 re-selects the cases from a checkout of FHIR/fhir-test-cases
 *                                                 (the selection rule: scripts/validator-case-runner.ts) and
 *                                                 rewrites the fixtures folder with them
 */
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadDefinitions } from '../src/fhir/definitions.ts';
import { shippedTerminology } from '../src/fhir/terminology/shipped-terminology.ts';
import { shippedProfiles } from '../src/fhir/validation/checks/profiles.ts';
import { createResourceValidation } from '../src/fhir/validation/validate-resource.ts';
import { validationChecks, type ValidationSettings } from '../src/fhir/validation/validation-checks.ts';
import type { OutcomeIssue } from '../src/fhir/outcome.ts';
import { FIXTURES, agrees, runCases, selectCases, shippedCases, type ManifestCase } from './validator-case-runner.ts';

/** The defaults of VALIDATION_UNKNOWN_EXTENSIONS and VALIDATE_PROFILES. */
const DEFAULT_SETTINGS: ValidationSettings = { unknownExtensions: 'warn', profiles: 'write' };

const args = process.argv.slice(2);
if (args[0] === '--import') importCases(args[1], args[2]);
else report(args.includes('--verbose'), args.includes('--unknown-extensions=error') ? { ...DEFAULT_SETTINGS, unknownExtensions: 'error' } : DEFAULT_SETTINGS);

function report(verbose: boolean, settings: ValidationSettings): void {
  const definitions = loadDefinitions();
  const { inspect } = createResourceValidation(definitions, validationChecks({ definitions, settings, terminology: shippedTerminology(shippedProfiles()) }), settings);
  const results = runCases(inspect, shippedCases());
  const agreed = results.filter(agrees).length;
  const valid = results.filter((r) => r.expectedValid).length;
  console.log(`Portico agrees with the Java validator on ${agreed} of ${results.length} cases (${valid} valid, ${results.length - valid} invalid)`);
  const wronglyAccepted = results.filter((r) => !r.expectedValid && r.gotValid);
  const wronglyRefused = results.filter((r) => r.expectedValid && !r.gotValid);
  console.log(`  accepted where the reference refuses: ${wronglyAccepted.length}`);
  console.log(`  refused where the reference accepts:  ${wronglyRefused.length}`);
  const show = (issues: readonly OutcomeIssue[]) =>
    (verbose ? issues : issues.slice(0, 2)).map((i) => `      ${i.expression?.[0] ?? '-'}: ${i.diagnostics ?? i.code}`).join('\n');
  for (const r of [...wronglyAccepted, ...wronglyRefused]) {
    console.log(`\n${r.name} (${r.file}): expected ${r.expectedValid ? 'valid' : 'invalid'}, got ${r.gotValid ? 'valid' : 'invalid'}`);
    console.log(r.gotValid ? `    the reference's errors:\n${show(r.reference)}` : `    Portico's errors:\n${show(r.portico)}`);
  }
}

function importCases(checkout: string | undefined, commit: string | undefined): void {
  if (!checkout || !commit) {
    console.error('usage: npm run validator-cases -- --import <fhir-test-cases checkout> <commit>');
    process.exit(2);
  }
  const validator = join(checkout, 'validator');
  const read = (path: string) => (existsSync(join(validator, path)) ? readFileSync(join(validator, path), 'utf8') : undefined);
  const manifest = JSON.parse(readFileSync(join(validator, 'manifest.json'), 'utf8')) as { 'test-cases': ManifestCase[] };
  const selected = selectCases(manifest['test-cases'], read);
  rmSync(FIXTURES, { recursive: true, force: true });
  const copy = (path: string) => {
    mkdirSync(dirname(join(FIXTURES, 'validator', path)), { recursive: true });
    copyFileSync(join(validator, path), join(FIXTURES, 'validator', path));
  };
  for (const c of selected) {
    copy(c.file);
    copy(`outcomes/${c.java as string}`);
  }
  copyFileSync(join(checkout, 'LICENSE.txt'), join(FIXTURES, 'LICENSE.txt'));
  // Only what the runner reads, in the manifest's order.
  const kept = selected.map(({ name, file, module, java, description }) => ({ name, file, module, java, ...(description ? { description } : {}) }));
  writeFileSync(join(FIXTURES, 'manifest.json'), `${JSON.stringify({ commit, 'test-cases': kept }, null, 2)}\n`);
  const valid = selected.filter((c) => {
    const outcome = JSON.parse(read(`outcomes/${c.java as string}`) as string) as { issue?: { severity?: string }[] };
    return !(outcome.issue ?? []).some((i) => i.severity === 'error' || i.severity === 'fatal');
  }).length;
  console.log(`Selected ${selected.length} cases (${valid} valid, ${selected.length - valid} invalid) into ${FIXTURES}`);
}
