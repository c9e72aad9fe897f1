import { established, refuse, type AuthorizeStep } from '../authorize-step.ts';

/**
 * An EHR launch minted for one user is not someone else's: the signed-in user must be the one the launch
 * names (by User id or by fhirUser), or its context would leak to whoever holds the link. A launch naming
 * nobody matches nobody. The user is active: a session ends as soon as its user is deactivated.
 */
export const checkLaunchUser: AuthorizeStep = {
  name: 'check-launch-user',
  run(input, state) {
    if (state.launch === undefined) return undefined;
    const launchUser = state.launch.user;
    const { user } = established(state.session, 'session');
    if (launchUser !== undefined && (launchUser === user.id || launchUser === user.fhirUser || launchUser === `User/${user.id}`)) return undefined;
    return refuse(input, state, 'invalid_request', 'this launch was made for another user');
  },
};
