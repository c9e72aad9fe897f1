import { issue } from '../../outcome.ts';
import { loadProfileDefinitions, type ProfileDefinitions } from '../../profiles/profile-definitions.ts';
import type { ProfileTerminology } from '../../profiles/profile-terminology.ts';
import { createProfileValidator, type BaseElementRules } from '../../profiles/profile-validator.ts';
import type { ElementDefinition, FhirDefinitions } from '../../definitions.ts';
import type { ValidationCheck } from '../validation-check.ts';

const R4_BASE = 'http://hl7.org/fhir/StructureDefinition/';

let shipped: ProfileDefinitions | undefined;
/** The shipped profiles (US Core), read once per process whatever the number of validators built. */
export const shippedProfiles = (): ProfileDefinitions => (shipped ??= loadProfileDefinitions());

/**
 * Profiles: a resource is validated against each profile it claims in meta.profile (when profiles are
 * enforced for this purpose, VALIDATE_PROFILES) and each `$validate` names. A profile the server
 * does not have is reported as a warning, not an error: the claim is kept, unchecked (FHIR R4
 * resource.html#profile-tags: a profile tag is an assertion, not a rule the server must know).
 * Bindings are checked when a terminology is given; without one they cannot be, and are not reported.
 */
export interface ProfilesCheckOptions {
  /** Answers the profiles' bindings; without it they are not checked. */
  readonly terminology?: ProfileTerminology;
  /** The profiles known (default: the shipped US Core). */
  readonly definitions?: ProfileDefinitions;
  /** The R4 base definitions, so that what the base rules already refuse is not reported again per profile. */
  readonly base?: FhirDefinitions;
}

export function profilesCheck({ terminology, definitions = shippedProfiles(), base }: ProfilesCheckOptions = {}): ValidationCheck {
  const profiles = createProfileValidator(definitions, terminology, base ? baseElementRules(base) : undefined);
  return {
    name: 'profiles',
    run({ resource, resourceType, profiles: claimed }, report) {
      for (const url of new Set(claimed)) {
        // The R4 definition of the type itself: its rules are the base rules, already applied.
        if (url === R4_BASE + resourceType) continue;
        if (!profiles.has(url)) {
          report(issue('not-supported', `Profile ${url} is not known to this server; the resource was not validated against it`, `${resourceType}.meta.profile`, 'warning'));
          continue;
        }
        profiles.validate(resource, url, report);
      }
    },
  };
}

/** What the R4 base elements say by path (reference targets, bindings), read from the base snapshots once per path. */
function baseElementRules(base: FhirDefinitions): BaseElementRules {
  const byPath = new Map<string, ElementDefinition | undefined>();
  const elementAt = (path: string) => {
    if (!byPath.has(path)) byPath.set(path, base.structures.get(path.split('.')[0] ?? '')?.snapshot?.element.find((e) => e.path === path));
    return byPath.get(path);
  };
  return {
    targetTypes(path) {
      const targets = elementAt(path)?.type?.flatMap((t) => (t.code === 'Reference' ? (t.targetProfile ?? [R4_BASE + 'Resource']) : []));
      return targets && targets.length > 0 ? targets.map((t) => t.slice(t.lastIndexOf('/') + 1)) : undefined;
    },
    binding(path) {
      const binding = elementAt(path)?.binding as { strength?: unknown; valueSet?: unknown } | undefined;
      if (typeof binding?.strength !== 'string' || typeof binding.valueSet !== 'string') return undefined;
      return { strength: binding.strength, valueSet: binding.valueSet.split('|')[0] ?? binding.valueSet };
    },
  };
}
