import { issue } from '../../outcome.ts';
import { loadProfileDefinitions, type ProfileDefinitions } from '../../profiles/profile-definitions.ts';
import type { ProfileTerminology } from '../../profiles/profile-terminology.ts';
import { createProfileValidator } from '../../profiles/profile-validator.ts';
import type { ValidationCheck } from '../validation-check.ts';

let shipped: ProfileDefinitions | undefined;
/** The shipped profiles (US Core), read once per process whatever the number of validators built. */
const shippedProfiles = () => (shipped ??= loadProfileDefinitions());

/**
 * Profiles: a resource is validated against each profile it claims in meta.profile (when profiles are
 * enforced for this purpose, VALIDATE_PROFILES) and each `$validate` names. A profile the server
 * does not have is reported as a warning, not an error: the claim is kept, unchecked (FHIR R4
 * resource.html#profile-tags: a profile tag is an assertion, not a rule the server must know).
 * Bindings are checked when a terminology is given; without one they cannot be, and are not reported.
 */
export function profilesCheck(terminology?: ProfileTerminology, definitions: ProfileDefinitions = shippedProfiles()): ValidationCheck {
  const profiles = createProfileValidator(definitions, terminology);
  return {
    name: 'profiles',
    run({ resource, resourceType, profiles: claimed }, report) {
      for (const url of new Set(claimed)) {
        if (!profiles.has(url)) {
          report(issue('not-supported', `Profile ${url} is not known to this server; the resource was not validated against it`, `${resourceType}.meta.profile`, 'warning'));
          continue;
        }
        profiles.validate(resource, url, report);
      }
    },
  };
}
