import type { FhirDefinitions, StructureDefinition } from '../definitions.ts';
import { coreExtensionRules, fromDifferential, indexExtensions } from './checks/extension-definitions.ts';
import { extensionsCheck } from './checks/extensions.ts';
import { invariantsCheck } from './checks/invariants.ts';
import { bundleRulesCheck } from './checks/bundle-rules.ts';
import { narrativeCheck } from './checks/narrative.ts';
import { referencesCheck } from './checks/references.ts';
import type { ProfileTerminology } from '../profiles/profile-terminology.ts';
import { profilesCheck, shippedProfiles } from './checks/profiles.ts';
import type { ProfileDefinitions } from '../profiles/profile-definitions.ts';
import type { Terminology } from '../terminology/terminology.ts';
import { bindingsCheck } from './checks/bindings.ts';
import { attachmentSizeCheck } from './checks/attachment-size.ts';
import type { ValidationCheck } from './validation-check.ts';
import { canonicalUrlsCheck } from './checks/canonical-urls.ts';
import { searchParameterDefinitionsCheck } from './checks/search-parameter-definitions.ts';
import { codeSystemPropertiesCheck } from './checks/code-system-properties.ts';
import { canonicalTargetsCheck } from './checks/canonical-targets.ts';
import { valueSetParametersCheck } from './checks/valueset-parameters.ts';

/** How strict validation is (VALIDATION_UNKNOWN_EXTENSIONS, VALIDATE_PROFILES). */
export interface ValidationSettings {
  readonly unknownExtensions: 'warn' | 'error';
  readonly profiles: 'write' | 'validate-only';
}

/** What the checks are built from; each check takes what it needs. */
export interface ValidationCheckDeps {
  readonly definitions: FhirDefinitions;
  readonly settings: ValidationSettings;
  /** Extension definitions known besides the R4 core's and the profiles'; a later one of the same url wins. */
  readonly extensionDefinitions?: readonly StructureDefinition[];
  /** The profiles validated against, with their extension definitions (default: the shipped US Core). */
  readonly profiles?: ProfileDefinitions;
  /** Code systems and value sets: terminology bindings are checked when present. */
  readonly terminology?: Terminology;
}

/** The checks run after the structure walk, in this order: the one table of validation rule families. */
export function validationChecks(deps: ValidationCheckDeps): ValidationCheck[] {
  const profiles = deps.profiles ?? shippedProfiles();
  const profileExtensions = [...profiles.structures.values()]
    .filter((sd) => sd.type === 'Extension')
    .map((sd) => fromDifferential(sd, deps.definitions.structures.get('Extension')));
  return [
    invariantsCheck(deps.definitions),
    extensionsCheck(deps.definitions, indexExtensions([...profileExtensions, ...(deps.extensionDefinitions ?? [])], coreExtensionRules()), deps.settings),
    bundleRulesCheck(deps),
    referencesCheck(deps),
    narrativeCheck(),
    canonicalUrlsCheck(),
    searchParameterDefinitionsCheck(deps.definitions),
    codeSystemPropertiesCheck(),
    canonicalTargetsCheck(deps.definitions, deps.terminology),
    valueSetParametersCheck(),
    attachmentSizeCheck(deps.definitions),
    ...(deps.terminology ? [bindingsCheck(deps.definitions, deps.terminology)] : []),
    profilesCheck({ ...(deps.terminology ? { terminology: profileTerminology(deps.terminology) } : {}), definitions: profiles, base: deps.definitions }),
  ];
}

/** What profile bindings ask of the terminology: is the code in the bound value set (or can that not be said). */
function profileTerminology(terminology: Terminology): ProfileTerminology {
  return {
    validateCode: (valueSet, code, system) => terminology.validateCode({ valueSet, code, ...(system !== undefined ? { system } : {}) }).result,
  };
}
