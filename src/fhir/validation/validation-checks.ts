import type { FhirDefinitions, StructureDefinition } from '../definitions.ts';
import { indexExtensions, loadCoreExtensionDefinitions } from './checks/extension-definitions.ts';
import { extensionsCheck } from './checks/extensions.ts';
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
  /** Extension definitions known besides the R4 core's (US Core's, ...); a later one of the same url wins. */
  readonly extensionDefinitions?: readonly StructureDefinition[];
}

/** The checks run after the structure walk, in this order: the one table of validation rule families. */
export function validationChecks(deps: ValidationCheckDeps): ValidationCheck[] {
  return [
    invariantsCheck(deps.definitions),
    extensionsCheck(deps.definitions, indexExtensions([...loadCoreExtensionDefinitions(), ...(deps.extensionDefinitions ?? [])]), deps.settings),
  ];
}
