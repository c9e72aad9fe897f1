import type { Resource } from '../../fhir/resource.ts';
import { dateTimeBefore } from './clock.ts';
import { buildCare, buildQuestionnaireResponse } from './build-care.ts';
import { buildDemographics } from './build-demographics.ts';
import { buildDocuments } from './build-documents.ts';
import { buildEncounters } from './build-encounters.ts';
import { buildMedications } from './build-medications.ts';
import { buildObservations } from './build-observations.ts';
import { createPatientContext, profileMeta, type PatientContext } from './patient-context.ts';
import { sandboxGroup } from './sandbox-group.ts';
import { SHARED, sharedResources } from './shared-resources.ts';
import { coding, concept, SYSTEM } from './terminology.ts';

export { patientId } from './patient-context.ts';

export interface PopulationOptions {
  /** Seed text of the random streams: the same seed gives the same population. */
  seed: string;
  /** How many patients (indices 0 .. patients-1). */
  patients: number;
  /** Skip these patient indices (already written); the shared chunk is yielded only when `includeShared`. */
  skip?: (index: number) => boolean;
  includeShared?: boolean;
}

export type PopulationChunk =
  | { kind: 'shared'; resources: Resource[] }
  | { kind: 'patient'; index: number; resources: Resource[] };

/** Resource types that are not patient data: no Provenance targets them. */
const UNTRACKED = new Set(['Patient', 'Binary', 'Provenance']);

/**
 * Every resource of one patient, in dependency order. Depends only on (seed, index), never on
 * the population size, so populations grow and resume consistently.
 */
export function patientResources(seed: string, index: number): Resource[] {
  const ctx = createPatientContext(seed, index);
  buildDemographics(ctx);
  const history = buildEncounters(ctx);
  const questionnaireResponse = buildQuestionnaireResponse(ctx, history);
  const observations = buildObservations(ctx, history, questionnaireResponse);
  buildMedications(ctx, history);
  buildCare(ctx, history, ctx.ref('RelatedPerson', 'relperson-1'));
  buildDocuments(ctx, history, observations.imaging);
  addProvenance(ctx);
  return ctx.resources;
}

/** One Provenance per patient naming the author and the transmitter of the whole record (US Core Basic Provenance). */
function addProvenance(ctx: PatientContext): void {
  const targets = ctx.resources
    .filter((r) => !UNTRACKED.has(r.resourceType))
    .map((r) => ({ reference: `${r.resourceType}/${r.id ?? ''}` }));
  ctx.add({
    resourceType: 'Provenance',
    id: ctx.id('provenance-1'),
    meta: profileMeta('us-core-provenance'),
    target: [{ reference: `Patient/${ctx.pid}` }, ...targets],
    recorded: dateTimeBefore(1, 23, 0),
    activity: concept(coding('http://terminology.hl7.org/CodeSystem/v3-DataOperation', 'UPDATE', 'revise')),
    agent: [
      {
        type: concept(coding(SYSTEM.provenanceParticipant, 'author', 'Author')),
        who: ctx.practitioner(),
        onBehalfOf: { reference: `Organization/${SHARED.clinic}` },
      },
      {
        type: concept(coding(SYSTEM.usCoreProvenanceParticipant, 'transmitter', 'Transmitter')),
        who: { reference: `Organization/${SHARED.hospital}` },
      },
    ],
  });
}

/** The shared resources (and the Group of all the population's patients) once when asked, then each patient's resources, one patient at a time. */
export function* generatePopulation(options: PopulationOptions): Generator<PopulationChunk> {
  if (options.includeShared ?? true) yield { kind: 'shared', resources: [...sharedResources(), sandboxGroup(options.patients)] };
  for (let index = 0; index < options.patients; index++) {
    if (options.skip?.(index)) continue;
    yield { kind: 'patient', index, resources: patientResources(options.seed, index) };
  }
}
