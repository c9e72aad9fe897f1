import type { FhirDefinitions } from '../definitions.ts';
import type { ResourceValidator } from '../interaction.ts';
import { FhirError, issue, type OutcomeIssue } from '../outcome.ts';
import type { Resource } from '../resource.ts';
import { createStructureIndex } from './structure-index.ts';
import { walkResource } from './structure-walker.ts';
import type { ValidationCheck, ValidationPurpose } from './validation-check.ts';
import type { ValidationSettings } from './validation-checks.ts';

/** Enough to fix a body; a pathological one should not produce a megabyte OperationOutcome. */
const MAX_ISSUES = 50;
/** Far beyond any real resource (a 30-level Questionnaire is ~90 objects deep), well within the stack. */
const MAX_DEPTH = 300;

export interface InspectOptions {
  /** The type the URL names; a body of another type is refused. */
  readonly expectedType?: string;
  readonly purpose: ValidationPurpose;
  /** Profiles to validate against besides those the resource names (`$validate`'s `profile`). */
  readonly profiles?: readonly string[];
}

/** Every issue found, errors and warnings, in the order found. */
export interface ValidationReport {
  readonly issues: readonly OutcomeIssue[];
  /** Whether no issue is an error (severity `error` or `fatal`). */
  readonly valid: boolean;
}

/** Validates without refusing: what `$validate` reports. Throws FhirError 400 only when the body is not a resource at all. */
export type ResourceInspector = (value: unknown, options: InspectOptions) => ValidationReport;

export interface ResourceValidation {
  readonly inspect: ResourceInspector;
  /** What every write goes through: the resource, or FhirError 422 listing every error. */
  readonly validate: ResourceValidator;
}

const isError = (i: OutcomeIssue) => i.severity === 'error' || i.severity === 'fatal';

/**
 * Builds the validation every write and `$validate` go through: first the body against the R4 base
 * StructureDefinitions (element names, JSON shapes, types, cardinality, primitive formats), then, when
 * that found no error, each check of the table (validation-checks.ts) in turn.
 *
 * Status choice: 400 Bad Request when the body is not a resource at all (not a JSON object,
 * missing or unknown resourceType, or a type other than the URL's); 422 Unprocessable Entity when
 * it is a resource of a known type that breaks the rules — FHIR R4 http.html#update names 422 for
 * "the proposed resource violated applicable FHIR profiles or server business rules".
 * Every issue found is reported (up to MAX_ISSUES), each with the FHIRPath of the element.
 */
export function createResourceValidation(definitions: FhirDefinitions, checks: readonly ValidationCheck[], settings: ValidationSettings): ResourceValidation {
  const index = createStructureIndex(definitions);
  const options = { resourceTypes: definitions.resourceTypes, maxIssues: MAX_ISSUES, maxDepth: MAX_DEPTH };

  const inspect: ResourceInspector = (value, { expectedType, purpose, profiles = [] }) => {
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      throw new FhirError(400, issue('structure', 'The body must be a JSON object holding a FHIR resource'));
    }
    const resourceType = (value as { resourceType?: unknown }).resourceType;
    if (typeof resourceType !== 'string' || !definitions.resourceTypes.has(resourceType)) {
      throw new FhirError(400, issue('structure', `Unknown or missing resourceType ${JSON.stringify(resourceType)}`, 'resourceType'));
    }
    if (expectedType && resourceType !== expectedType) {
      throw new FhirError(400, issue('invalid', `The body is a ${resourceType} but the URL names ${expectedType}`, 'resourceType'));
    }
    const resource = value as Record<string, unknown>;
    const issues = walkResource(index, options, resource, resourceType);
    // The checks assume the R4 shapes: a body that breaks them is refused on those errors alone.
    if (issues.some(isError)) return { issues, valid: false };
    const input = { resource, resourceType, profiles: [...profilesOf(resource, purpose, settings), ...profiles], purpose };
    const report = (found: OutcomeIssue) => {
      if (issues.length < MAX_ISSUES) issues.push(found);
    };
    for (const check of checks) {
      if (issues.length >= MAX_ISSUES) break;
      check.run(input, report);
    }
    return { issues, valid: !issues.some(isError) };
  };

  const validate: ResourceValidator = (value, expectedType) => {
    const { issues, valid } = inspect(value, { purpose: 'write', ...(expectedType ? { expectedType } : {}) });
    // A write keeps its warnings to itself: only errors refuse it.
    if (!valid) throw new FhirError(422, issues.filter(isError));
    return value as Resource;
  };
  return { inspect, validate };
}

/** The profiles a resource claims (meta.profile), when they are enforced for this purpose (VALIDATE_PROFILES). */
function profilesOf(resource: Record<string, unknown>, purpose: ValidationPurpose, settings: ValidationSettings): string[] {
  if (purpose === 'write' && settings.profiles === 'validate-only') return [];
  const profile = (resource.meta as { profile?: unknown } | undefined)?.profile;
  return Array.isArray(profile) ? profile.filter((p): p is string => typeof p === 'string') : [];
}

const BASE_ONLY: ValidationSettings = { unknownExtensions: 'warn', profiles: 'write' };

/** The write validator of the structure walk alone, or of the given checks. */
export function createValidator(definitions: FhirDefinitions, checks: readonly ValidationCheck[] = [], settings: ValidationSettings = BASE_ONLY): ResourceValidator {
  return createResourceValidation(definitions, checks, settings).validate;
}
