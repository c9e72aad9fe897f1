import { established, refuse, type AuthorizeStep } from '../authorize-step.ts';

/**
 * An EHR launch minted for one user is not someone else's: when the launch names a user, the signed-in
 * user must be that one (by User id or by fhirUser), or its context would leak to whoever holds the link.
 */
export const checkLaunchUser: AuthorizeStep = {
  name: 'check-launch-user',
  run(input, state) {
    const launchUser = state.launch?.user;
    if (launchUser === undefined) return undefined;
    const { user } = established(state.session, 'session');
    if (launchUser === user.id || launchUser === user.fhirUser || launchUser === `User/${user.id}`) return undefined;
    return refuse(input, state, 'invalid_request', 'this launch was made for another user');
  },
};
