import { isApproved } from '../../clients/client-repository.ts';
import { established, refuse, type AuthorizeStep } from '../authorize-step.ts';

/**
 * A developer's app nobody has approved yet (draft, submitted or rejected) is authorized only by the developer
 * who owns it, so they can try it; anyone else is refused. The client and its redirect_uri are known to be
 * registered by now, so the app is told, by redirect (RFC 6749 §4.1.2.1): `unauthorized_client`, "the client is
 * not authorized to request an authorization code", is what it is, and the app shows its own page.
 */
export const checkAppStatus: AuthorizeStep = {
  name: 'check-app-status',
  run(input, state) {
    const client = established(state.client, 'client');
    if (isApproved(client)) return undefined;
    const session = established(state.session, 'session');
    if (client.owner === `User/${session.user.id}`) return undefined;
    return refuse(input, state, 'unauthorized_client', 'this app is not approved yet: only its developer may use it until the server operator approves it');
  },
};
