import { LaunchError } from '../../launch/launch-error.ts';
import { staleLaunchContext, type LaunchRecords } from '../../launch/launch-records.ts';
import { established, refuse, type AuthorizeDeps, type AuthorizeInput, type AuthorizeState, type AuthorizeStep, type LaunchContext, type StepResult } from '../authorize-step.ts';
import { unknownClient } from './check-client.ts';
import { unregisteredRedirectUri } from './check-redirect-uri.ts';

/** The live record a launch's context is checked against, from the pickers' own lookups. */
function launchRecords(deps: AuthorizeDeps): LaunchRecords | undefined {
  const { patientExists, directory } = deps;
  if (!patientExists || !directory) return undefined;
  return { patientExists, encounterBelongsTo: (encounterId, patientId) => directory.encounterBelongsTo(encounterId, patientId) };
}

/** Why a redeemed launch's context no longer stands, as the app is told (without ids: an app that gets no code learns nothing of the patient). */
const STALE_CONTEXT = {
  patient: 'the patient of this launch is no longer in the record; start the app again from the EHR',
  encounter: "the encounter of this launch is no longer one of its patient's; start the app again from the EHR",
} as const;

/**
 * EHR launch: the `launch` parameter is a token the EHR minted for this client and one user; its context
 * (patient, encounter, fhirContext) flows into the grant. The patient and encounter are checked against the
 * record again on every pass (they may have been deleted since the launch was minted), so no code is issued
 * for a context that no longer exists. A launch naming no user is refused before anyone signs in.
 * Standalone launches have none.
 */
export const verifyLaunch: AuthorizeStep = {
  name: 'verify-launch',
  async run(input, state, deps) {
    const token = input.params.values.launch;
    if (token === undefined) return undefined;
    const client = established(state.client, 'client');
    if (!deps.verifyLaunch) return refuse(input, state, 'invalid_request', 'EHR launch is not available on this server');
    let launch: LaunchContext;
    try {
      launch = await deps.verifyLaunch(token, client.id);
    } catch (err) {
      // A LaunchError's message never echoes the token; anything else (the database) is our failure, not the app's.
      if (err instanceof LaunchError) return refuse(input, state, 'invalid_request', err.message);
      throw err;
    }
    if (launch.sim !== undefined) {
      const simulated = simulatedAtAuthorize(input, state, deps, launch);
      if (simulated) return simulated;
    }
    if (launch.user === undefined) return refuse(input, state, 'invalid_request', 'this launch names no user; start the app again from the EHR');
    if (launch.patient !== undefined || launch.encounter !== undefined) {
      const records = launchRecords(deps);
      if (!records) return refuse(input, state, 'invalid_request', 'the context of this launch cannot be checked on this server');
      const stale = await staleLaunchContext(launch, records);
      if (stale !== undefined) return refuse(input, state, 'invalid_request', STALE_CONTEXT[stale]);
    }
    return { add: { launch } };
  },
};

/**
 * A launch simulating an error (sandbox mode only; refused elsewhere, fail closed). The authorize endpoint's own
 * errors are answered here, the same answers its checks give for the real fault: an error page for an unknown
 * client or redirect_uri (RFC 6749 §4.1.2.1: no redirect), `invalid_scope` back to the app. The others ride on the
 * grant (issue-code) for the token endpoint and the FHIR API to act on.
 */
function simulatedAtAuthorize(input: AuthorizeInput, state: Readonly<AuthorizeState>, deps: AuthorizeDeps, launch: LaunchContext): StepResult {
  if (!deps.simulatedErrors) return refuse(input, state, 'invalid_request', 'this launch asks for a simulated error, which only a sandbox server honours');
  switch (launch.sim) {
    case 'auth_invalid_client_id':
      return { outcome: unknownClient };
    case 'auth_invalid_redirect_uri':
      return { outcome: unregisteredRedirectUri };
    case 'auth_invalid_scope':
      return refuse(input, state, 'invalid_scope', 'the requested scope is invalid, unknown, or malformed');
    default:
      return undefined;
  }
}
