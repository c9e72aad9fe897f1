import type { FhirDefinitions } from '../definitions.ts';
import type { Terminology } from '../terminology/terminology.ts';
import { bindingsCheck } from './checks/bindings.ts';
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
  /** Code systems and value sets: terminology bindings are checked when present. */
  readonly terminology?: Terminology;
}

/** The checks run after the structure walk, in this order: the one table of validation rule families. */
export function validationChecks(deps: ValidationCheckDeps): ValidationCheck[] {
  return [...(deps.terminology ? [bindingsCheck(deps.definitions, deps.terminology)] : [])];
}
