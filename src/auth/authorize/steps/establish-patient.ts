import { established, refuse, type AuthorizeStep } from '../authorize-step.ts';
import { ID_PATTERN } from '../../../fhir/resource.ts';

/** How many patients the picker lists at once: enough to choose from, few enough to read. */
export const PATIENT_PICKER_SIZE = 20;

/**
 * Patient context (SMART App Launch 2.2 §"Launch context"): a patient user's is their own patient, set by
 * `confine-to-own-patient` (never the picker's answer, never another patient's launch); otherwise an EHR
 * launch brings it, and in a standalone launch the user chooses one on the patient picker (a search box and
 * a list), before consent, which then names the patient. A request offering `launch/patient` or any `patient/`
 * scope needs one. The chosen id is checked here every time: the picker's form is only a suggestion.
 */
export const establishPatient: AuthorizeStep = {
  name: 'establish-patient',
  async run(input, state, deps) {
    // Asked before consent: what the user may grant decides whether a patient is needed.
    const offered = established(state.offered, 'offered scopes');
    const client = established(state.client, 'client');
    const needsPatient = offered.some((s) => s.kind === 'launch/patient' || (s.kind === 'resource' && s.context === 'patient'));
    const encounter = state.launch?.encounter;
    const withEncounter = encounter !== undefined ? { encounter } : {};
    const known = state.patient ?? state.launch?.patient;
    if (known !== undefined) return { add: { patient: known, ...withEncounter } };
    if (!needsPatient) return { add: withEncounter };

    if (!deps.patientExists) return refuse(input, state, 'invalid_request', 'no patient is in context and choosing one is not available');
    const search = input.decision?.patientSearch;
    const pick = async (text: string, error?: string) => ({
      outcome: {
        kind: 'pick-patient' as const,
        clientName: client.name ?? client.id,
        search: text,
        patients: (await deps.directory?.findPatients(text, PATIENT_PICKER_SIZE)) ?? [],
        ...(error ? { error } : {}),
      },
    });
    // The Search button lists patients; only the Continue button chooses one.
    if (search !== undefined) return pick(search);
    const chosen = input.decision?.patient?.trim();
    if (!chosen) return pick('', input.decision?.patient !== undefined ? 'Choose a patient.' : undefined);
    // TODO(access policies): any existing patient can be chosen; a practitioner's AccessPolicies should narrow the list.
    if (!ID_PATTERN.test(chosen) || !(await deps.patientExists(chosen))) return pick('', 'No patient has that id.');
    return { add: { patient: chosen, ...withEncounter } };
  },
};
