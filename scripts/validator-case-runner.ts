/**
 * The HL7 validator test cases (github.com/FHIR/fhir-test-cases, folder `validator/`) run through
 * Portico's own validation, compared with the outcome of the Java reference validator.
 *
 * Selection (the rule `selectCases` applies to the repository's validator/manifest.json): a case is used when
 *  - it is an R4 case (`version` "4.0") whose file is JSON (`.json`, and it parses as JSON: the cases of
 *    malformed JSON test a parser, not validation, and a FHIR server never sees them as resources);
 *  - its Java outcome is a file under validator/outcomes/java/ (not an inline expectation);
 *  - it is not switched off (`use-test: false`) and is not of the `matchetype` module (those compare the
 *    outcome with a pattern, not validity);
 *  - it loads nothing besides the R4 core: no `packages`, `package-map`, `supporting`, `supporting5`,
 *    `profile`, `profiles`, `logical` or `ips`;
 *  - it switches on no publication-time mode: no `for-publication`, `no-experimental-content`,
 *    `noHtmlInMarkdown`.
 * Settings that only say how references or contained resources are followed, or that the examples are
 * examples (`fetcher`, `validateReference`, `validateContains`, `examples`, `security-checks`, `certificate`,
 * `allowed-extension-domain`, `new-xver-mode`, `r5-bundle-relative-reference-policy`) are kept: Portico
 * has one behaviour for each, and the case says what the reference concludes.
 * At commit 2dee8a0f8fa0b948b4cd28f0edfc34a0322318fe this is 129 cases: 45 valid, 84 invalid.
 * "Valid" is the Java outcome holding no issue of severity error or fatal.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ResourceInspector } from '../src/fhir/validation/validate-resource.ts';
import { FhirError, type OutcomeIssue } from '../src/fhir/outcome.ts';

export const FIXTURES = join(import.meta.dirname, '..', 'test', 'fixtures', 'fhir-test-cases');

/** One entry of validator/manifest.json, as far as the selection reads it. */
export interface ManifestCase {
  readonly name: string;
  readonly file: string;
  readonly version?: string;
  readonly module?: string;
  readonly java?: string | Record<string, unknown>;
  readonly 'use-test'?: boolean;
  readonly [setting: string]: unknown;
}

const LOADS_MORE = ['packages', 'package-map', 'supporting', 'supporting5', 'profile', 'profiles', 'logical', 'ips'];
const PUBLICATION_MODES = ['for-publication', 'no-experimental-content', 'noHtmlInMarkdown'];

/** The selection rule above; `read` gives a file of the validator/ folder, or undefined when absent. */
export function selectCases(cases: readonly ManifestCase[], read: (path: string) => string | undefined): ManifestCase[] {
  return cases.filter((c) => {
    if (c.version !== '4.0' || !c.file.endsWith('.json') || typeof c.java !== 'string') return false;
    if (c['use-test'] === false || c.module === 'matchetype') return false;
    if ([...LOADS_MORE, ...PUBLICATION_MODES].some((key) => key in c)) return false;
    if (read(`outcomes/${c.java}`) === undefined) return false;
    const source = read(c.file);
    return source !== undefined && parses(source);
  });
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export interface CaseResult {
  readonly name: string;
  readonly file: string;
  readonly expectedValid: boolean;
  readonly gotValid: boolean;
  /** The errors Portico found (or, for a case it accepts, the reference's errors). */
  readonly portico: readonly OutcomeIssue[];
  readonly reference: readonly OutcomeIssue[];
}

interface JavaIssue {
  severity?: string;
  code?: string;
  details?: { text?: string };
  expression?: string[];
}

const isError = (severity: string | undefined) => severity === 'error' || severity === 'fatal';

/** The shipped cases (test/fixtures/fhir-test-cases/manifest.json holds exactly the selected ones). */
export function shippedCases(dir = FIXTURES): ManifestCase[] {
  return (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as { 'test-cases': ManifestCase[] })['test-cases'];
}

/** Runs each case through `inspect` (purpose `validate`, as $validate does) and compares with the Java outcome. */
export function runCases(inspect: ResourceInspector, cases: readonly ManifestCase[], dir = FIXTURES): CaseResult[] {
  return cases.map((c) => {
    const body = JSON.parse(readFileSync(join(dir, 'validator', c.file), 'utf8')) as unknown;
    const java = JSON.parse(readFileSync(join(dir, 'validator', 'outcomes', c.java as string), 'utf8')) as { issue?: JavaIssue[] };
    const reference = (java.issue ?? [])
      .filter((i) => isError(i.severity))
      .map((i): OutcomeIssue => ({
        severity: i.severity as 'error',
        code: (i.code ?? 'invalid') as OutcomeIssue['code'],
        diagnostics: i.details?.text ?? '',
        ...(i.expression ? { expression: i.expression } : {}),
      }));
    let portico: OutcomeIssue[];
    try {
      portico = inspect(body, { purpose: 'validate' }).issues.filter((i) => isError(i.severity));
    } catch (error) {
      // Not a resource at all (400): refused, which is an invalid verdict.
      if (!(error instanceof FhirError)) throw error;
      portico = error.outcome.issue;
    }
    return { name: c.name, file: c.file, expectedValid: reference.length === 0, gotValid: portico.length === 0, portico, reference };
  });
}

export const agrees = (r: CaseResult) => r.expectedValid === r.gotValid;
