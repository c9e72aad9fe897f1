import type { FhirDefinitions } from '../definitions.ts';
import type { ResourceValidator } from '../interaction.ts';
import { FhirError, issue } from '../outcome.ts';
import type { Resource } from '../resource.ts';
import { createStructureIndex } from './structure-index.ts';
import { walkResource } from './structure-walker.ts';

/** Enough to fix a body; a pathological one should not produce a megabyte OperationOutcome. */
const MAX_ISSUES = 50;
/** Far beyond any real resource (a 30-level Questionnaire is ~90 objects deep), well within the stack. */
const MAX_DEPTH = 300;

/**
 * Builds the validator every write goes through: the body is checked against the R4 base
 * StructureDefinitions (element names, JSON shapes, types, cardinality, primitive formats).
 * Not checked: terminology bindings, FHIRPath invariants, and profiles named in meta.profile.
 *
 * Status choice: 400 Bad Request when the body is not a resource at all (not a JSON object,
 * missing or unknown resourceType, or a type other than the URL's); 422 Unprocessable Entity when
 * it is a resource of a known type that breaks the structure rules — FHIR R4 http.html#update
 * names 422 for "the proposed resource violated applicable FHIR profiles or server business rules".
 * Every issue found is reported (up to MAX_ISSUES), each with the FHIRPath of the element.
 */
export function createValidator(definitions: FhirDefinitions): ResourceValidator {
  const index = createStructureIndex(definitions);
  const options = { resourceTypes: definitions.resourceTypes, maxIssues: MAX_ISSUES, maxDepth: MAX_DEPTH };

  return (value: unknown, expectedType?: string): Resource => {
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
    const issues = walkResource(index, options, value as Record<string, unknown>, resourceType);
    if (issues.length > 0) throw new FhirError(422, issues);
    return value as Resource;
  };
}
