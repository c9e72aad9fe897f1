import type { FhirDefinitions } from '../definitions.ts';
import type { ResourceValidator } from '../interaction.ts';
import { FhirError, issue } from '../outcome.ts';
import type { Resource } from '../resource.ts';

/**
 * Builds the validator every write goes through. (Placeholder: checks the resource type only;
 * structure validation against the R4 StructureDefinitions replaces it.)
 */
export function createValidator(definitions: FhirDefinitions): ResourceValidator {
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
    return value as Resource;
  };
}
