import type { Resource } from '../../fhir/resource.ts';
import { US_CORE_BASE } from '../../fhir/us-core/profiles.ts';
import { dateBefore } from './clock.ts';
import { createRng, type Rng } from './prng.ts';
import { PHARMACIST, PRACTITIONER_COUNT, practitionerId, practitionerRoleId } from './shared-resources.ts';

/** The id of the patient at a 0-based index: `test-pt-1` (the seeds' example patient), then pt-00002 ... */
export function patientId(index: number): string {
  return index === 0 ? 'test-pt-1' : `pt-${String(index + 1).padStart(5, '0')}`;
}

export interface Reference {
  reference: string;
  display?: string;
}

export type Sex = 'female' | 'male';

/**
 * What every builder of one patient's resources shares: the patient's own random stream
 * (derived from the seed and the patient index only, so a patient's data never depends on how
 * many patients are generated), demographics, and the resource list being built.
 */
export interface PatientContext {
  readonly index: number;
  readonly pid: string;
  readonly rng: Rng;
  readonly sex: Sex;
  readonly ageYears: number;
  readonly birthDate: string;
  readonly givenName: string;
  readonly familyName: string;
  /** The first patient carries every profile and must-support element. */
  readonly showcase: boolean;
  readonly patient: Reference;
  /** The patient's primary care practitioner (1-based number in the shared pool). */
  readonly pcp: number;
  readonly resources: Resource[];
  id(suffix: string): string;
  ref(resourceType: string, suffix: string): Reference;
  practitioner(n?: number): Reference;
  practitionerRole(n?: number): Reference;
  /** Another practitioner than the pcp and the pharmacist, picked from the pool. */
  otherPractitioner(): number;
  add<T extends Resource>(resource: T): T;
}

const FEMALE_GIVEN = ['Amy', 'Maria', 'Linh', 'Grace', 'Aisha', 'Sofia', 'Emily', 'Keiko', 'Olivia', 'Nia'];
const MALE_GIVEN = ['James', 'Carlos', 'Minh', 'Daniel', 'Omar', 'Lucas', 'Ethan', 'Kenji', 'Noah', 'Malik'];
const FAMILY = ['Shaw', 'Garcia', 'Nguyen', 'Johnson', 'Rahman', 'Rossi', 'Smith', 'Tanaka', 'Brown', 'Williams', 'Lopez', 'Kim', 'Patel', 'Cohen', 'Baker'];

export const profileMeta = (id: string) => ({ profile: [US_CORE_BASE + id] });

export function createPatientContext(seed: string, index: number): PatientContext {
  const rng = createRng(`${seed}/patient/${index}`);
  const pid = patientId(index);
  const showcase = index === 0;
  // The showcase patient is a young woman whose chart spans her childhood (pediatric growth
  // observations), adult chronic care (HbA1c) and pregnancy-related observations.
  // Every tenth patient is an infant, so pediatric profiles appear across the population.
  const sex: Sex = showcase ? 'female' : rng.chance(0.5) ? 'female' : 'male';
  const ageYears = showcase ? 24 : index % 10 === 3 ? 1 : index % 10 === 7 ? rng.int(3, 17) : rng.int(19, 88);
  const birthDate = dateBefore(ageYears * 365 + rng.int(10, 300));
  const givenName = showcase ? 'Amy' : rng.pick(sex === 'female' ? FEMALE_GIVEN : MALE_GIVEN);
  const familyName = showcase ? 'Shaw' : rng.pick(FAMILY);
  const pcp = showcase ? 1 : rng.pick([1, 2, 3, 4, 7, 8, 10]);
  const resources: Resource[] = [];
  const id = (suffix: string) => `${pid}-${suffix}`;
  return {
    index,
    pid,
    rng,
    sex,
    ageYears,
    birthDate,
    givenName,
    familyName,
    showcase,
    patient: { reference: `Patient/${pid}`, display: `${givenName} ${familyName}` },
    pcp,
    resources,
    id,
    ref: (resourceType, suffix) => ({ reference: `${resourceType}/${id(suffix)}` }),
    practitioner: (n = pcp) => ({ reference: `Practitioner/${practitionerId(n)}` }),
    practitionerRole: (n = pcp) => ({ reference: `PractitionerRole/${practitionerRoleId(n)}` }),
    otherPractitioner() {
      for (;;) {
        const n = rng.int(1, PRACTITIONER_COUNT);
        if (n !== pcp && n !== PHARMACIST) return n;
      }
    },
    add(resource) {
      resources.push(resource);
      return resource;
    },
  };
}
