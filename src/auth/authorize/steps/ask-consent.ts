import { formatScope } from '../../scopes/index.ts';
import { established, refuse, type AuthorizeStep } from '../authorize-step.ts';

/**
 * The user decides what the app gets (SMART App Launch: the user may grant less than asked). First-party
 * clients are trusted with everything they may have. Only offered scopes can be granted, whatever the form says.
 */
export const askConsent: AuthorizeStep = {
  name: 'ask-consent',
  run(input, state) {
    const client = established(state.client, 'client');
    const offered = established(state.offered, 'offered scopes');
    if (client.first_party === true) return { add: { granted: offered } };
    const decision = input.decision;
    if (!decision) {
      return { outcome: { kind: 'consent', clientName: client.name ?? client.id, scopes: offered.map(formatScope) } };
    }
    if (!decision.allow) return refuse(input, state, 'access_denied', 'the user denied access');
    const checked = new Set(decision.scopes);
    const granted = offered.filter((scope) => checked.has(formatScope(scope)));
    if (granted.length === 0) return refuse(input, state, 'access_denied', 'the user granted no access');
    return { add: { granted } };
  },
};
