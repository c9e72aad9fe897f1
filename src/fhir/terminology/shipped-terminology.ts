import type { ProfileDefinitions } from '../profiles/profile-definitions.ts';
import { createTerminology, type Terminology } from './terminology.ts';
import { computableTerminology, loadR4TerminologyResources, type TerminologyResource } from './terminology-resources.ts';

/** The code systems and value sets the server ships: R4's (FHIR, v2, v3) and those the shipped profiles bind to. */
export function shippedTerminology(profiles: ProfileDefinitions): Terminology {
  const fromProfiles = [...profiles.valueSets, ...profiles.codeSystems]
    .map(computableTerminology)
    .filter((r): r is TerminologyResource => r !== undefined);
  return createTerminology([...loadR4TerminologyResources(), ...fromProfiles]);
}
