import { LaunchError } from '../../launch/launch-error.ts';
import { established, refuse, type AuthorizeStep } from '../authorize-step.ts';

/**
 * EHR launch: the `launch` parameter is a token the EHR minted for this client; its context (patient,
 * encounter, fhirContext) flows into the grant. Standalone launches have none.
 */
export const verifyLaunch: AuthorizeStep = {
  name: 'verify-launch',
  async run(input, state, deps) {
    const launch = input.params.values.launch;
    if (launch === undefined) return undefined;
    const client = established(state.client, 'client');
    if (!deps.verifyLaunch) return refuse(input, state, 'invalid_request', 'EHR launch is not available on this server');
    try {
      return { add: { launch: await deps.verifyLaunch(launch, client.id) } };
    } catch (err) {
      // A LaunchError's message never echoes the token; anything else (the database) is our failure, not the app's.
      if (err instanceof LaunchError) return refuse(input, state, 'invalid_request', err.message);
      throw err;
    }
  },
};
