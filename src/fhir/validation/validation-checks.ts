import type { FhirDefinitions } from '../definitions.ts';
import { invariantsCheck } from './checks/invariants.ts';
import type { ValidationCheck } from './validation-check.ts';

/** How strict validation is (VALIDATION_UNKNOWN_EXTENSIONS, VALIDATE_PROFILES). */
export interface ValidationSettings {
  readonly unknownExtensions: 'warn' | 'error';
  readonly profiles: 'write' | 'validate-only';
}

/** What the checks are built from; each check takes what it needs. */
export interface ValidationCheckDeps {
  readonly definitions: FhirDefinitions;
  readonly settings: ValidationSettings;
}

/** The checks run after the structure walk, in this order: the one table of validation rule families. */
export function validationChecks(deps: ValidationCheckDeps): ValidationCheck[] {
  return [
    invariantsCheck(deps.definitions),
  ];
}
