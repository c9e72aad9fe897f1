import type { FhirDefinitions } from '../definitions.ts';
import { bundleRulesCheck } from './checks/bundle-rules.ts';
import { narrativeCheck } from './checks/narrative.ts';
import { referencesCheck } from './checks/references.ts';
import type { ProfileTerminology } from '../profiles/profile-terminology.ts';
import { profilesCheck } from './checks/profiles.ts';
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
  /** Answers the bindings of profiles; without it they are not checked. */
  readonly profileTerminology?: ProfileTerminology;
}

/** The checks run after the structure walk, in this order: the one table of validation rule families. */
export function validationChecks(deps: ValidationCheckDeps): ValidationCheck[] {
  return [
    bundleRulesCheck(deps),
    referencesCheck(deps),
    narrativeCheck(),
    profilesCheck({ ...(deps.profileTerminology ? { terminology: deps.profileTerminology } : {}), base: deps.definitions }),
  ];
}
