import { issue } from '../../outcome.ts';
import { loadProfileDefinitions, type ProfileDefinitions } from '../../profiles/profile-definitions.ts';
import type { ProfileTerminology } from '../../profiles/profile-terminology.ts';
import { createProfileValidator, type BaseTargetTypes } from '../../profiles/profile-validator.ts';
import type { FhirDefinitions } from '../../definitions.ts';
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
  const profiles = createProfileValidator(definitions, terminology, base ? baseTargetTypes(base) : undefined);
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

/** Reference targets of the R4 base elements by path, read from the base snapshots once per path. */
function baseTargetTypes(base: FhirDefinitions): BaseTargetTypes {
  const byPath = new Map<string, readonly string[] | undefined>();
  return (path) => {
    if (byPath.has(path)) return byPath.get(path);
    const type = path.split('.')[0] ?? '';
    const element = base.structures.get(type)?.snapshot?.element.find((e) => e.path === path);
    const targets = element?.type?.flatMap((t) => (t.code === 'Reference' ? (t.targetProfile ?? [R4_BASE + 'Resource']) : []));
    const types = targets && targets.length > 0 ? targets.map((t) => t.slice(t.lastIndexOf('/') + 1)) : undefined;
    byPath.set(path, types);
    return types;
  };
}
