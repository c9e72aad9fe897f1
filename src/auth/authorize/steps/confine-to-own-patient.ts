import { ownPatientOf, patientScopesFor, patientUserOf } from '../../access/patient-user.ts';
import { established, refuse, type AuthorizeStep } from '../authorize-step.ts';

/**
 * A patient user (fhirUser `Patient/X`, or a RelatedPerson acting for X) shares their own patient's
 * record and nothing else, whatever the client may ask for: every `user/` scope is offered as the same
 * `patient/` scope, with only the permissions a `patient/` scope can exercise on its type, no `system/`
 * scope is offered, and X is the patient in context (as if `launch/patient` had been answered with X),
 * so the consent page shows what will really be granted and the patient picker is never shown. An EHR
 * launch for another patient is refused; so is a RelatedPerson with no patient this server knows,
 * when patient data is asked for.
 */
export const confineToOwnPatient: AuthorizeStep = {
  name: 'confine-to-own-patient',
  async run(input, state, deps) {
    const { user } = established(state.session, 'session');
    const patientUser = patientUserOf(user.fhirUser);
    if (!patientUser) return undefined;
    const offered = established(state.offered, 'offered scopes');
    const directory = deps.directory;
    const own = await ownPatientOf(patientUser, directory && ((id) => directory.relatedPatient(id)));
    const launched = state.launch?.patient;
    if (own === undefined) {
      const wantsPatientData = launched !== undefined || offered.some((s) => s.kind === 'resource' || s.kind === 'launch/patient');
      if (!wantsPatientData) return undefined;
      return refuse(input, state, 'access_denied', `${user.fhirUser} is not linked to a patient on this server, so no patient data can be shared`);
    }
    if (launched !== undefined && launched !== own) {
      return refuse(input, state, 'access_denied', 'this launch is for another patient: a patient user can share only their own record');
    }
    const confined = patientScopesFor(offered, deps.compartment);
    if (confined.length === 0) return refuse(input, state, 'invalid_scope', 'none of the requested scopes can be granted to a patient user');
    return { add: { offered: confined, patient: own } };
  },
};
