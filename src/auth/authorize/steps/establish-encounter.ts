import { established, type AuthorizeStep } from '../authorize-step.ts';
import { ID_PATTERN } from '../../../fhir/resource.ts';

/** How many encounters the picker lists: the most recent ones. */
export const ENCOUNTER_PICKER_SIZE = 20;

/**
 * Encounter context in a standalone launch (SMART App Launch 2.2 §"launch/encounter", capability
 * `context-standalone-encounter`): once the patient is known, the user chooses one of the patient's
 * encounters, checked here to belong to that patient. An EHR launch keeps its own encounter; a patient
 * without encounters gets none (SMART lets the server omit `encounter` from the token response).
 */
export const establishEncounter: AuthorizeStep = {
  name: 'establish-encounter',
  async run(input, state, deps) {
    // Asked before consent, as the patient is.
    const offered = established(state.offered, 'offered scopes');
    const client = established(state.client, 'client');
    const patient = state.patient;
    const wanted = offered.some((s) => s.kind === 'launch/encounter');
    if (!wanted || state.launch !== undefined || state.encounter !== undefined || patient === undefined || !deps.directory) return undefined;

    const directory = deps.directory;
    const pick = async (error?: string) => {
      const encounters = await directory.findEncounters(patient, ENCOUNTER_PICKER_SIZE);
      if (encounters.length === 0) return undefined;
      return {
        outcome: {
          kind: 'pick-encounter' as const,
          clientName: client.name ?? client.id,
          patient,
          encounters,
          ...(error ? { error } : {}),
        },
      };
    };
    const chosen = input.decision?.encounter?.trim();
    if (!chosen) return pick(input.decision?.encounter !== undefined ? 'Choose a visit.' : undefined);
    if (!ID_PATTERN.test(chosen) || !(await directory.encounterBelongsTo(chosen, patient))) return pick('That visit is not one of this patient’s.');
    return { add: { encounter: chosen } };
  },
};
