import type { FhirDefinitions, StructureDefinition } from '../definitions.ts';
import { fromDifferential, indexExtensions, loadCoreExtensionDefinitions } from './checks/extension-definitions.ts';
import { extensionsCheck } from './checks/extensions.ts';
import { invariantsCheck } from './checks/invariants.ts';
import { bundleRulesCheck } from './checks/bundle-rules.ts';
import { narrativeCheck } from './checks/narrative.ts';
import { referencesCheck } from './checks/references.ts';
import type { ProfileTerminology } from '../profiles/profile-terminology.ts';
import { profilesCheck, shippedProfiles } from './checks/profiles.ts';
import type { ProfileDefinitions } from '../profiles/profile-definitions.ts';
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
  /** Extension definitions known besides the R4 core's and the profiles'; a later one of the same url wins. */
  readonly extensionDefinitions?: readonly StructureDefinition[];
  /** The profiles validated against, with their extension definitions (default: the shipped US Core). */
  readonly profiles?: ProfileDefinitions;
}

/** The checks run after the structure walk, in this order: the one table of validation rule families. */
export function validationChecks(deps: ValidationCheckDeps): ValidationCheck[] {
  const profiles = deps.profiles ?? shippedProfiles();
  const profileExtensions = [...profiles.structures.values()]
    .filter((sd) => sd.type === 'Extension')
    .map((sd) => fromDifferential(sd, deps.definitions.structures.get('Extension')));
  return [
    invariantsCheck(deps.definitions),
    extensionsCheck(deps.definitions, indexExtensions([...loadCoreExtensionDefinitions(), ...profileExtensions, ...(deps.extensionDefinitions ?? [])]), deps.settings),
    bundleRulesCheck(deps),
    referencesCheck(deps),
    narrativeCheck(),
    profilesCheck({ ...(deps.profileTerminology ? { terminology: deps.profileTerminology } : {}), definitions: profiles, base: deps.definitions }),
  ];
}
