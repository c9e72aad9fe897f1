import { isUnverifiedClient } from '../../registration/registration-review.ts';
import { appIdentityOf } from '../app-identity.ts';
import { formatScope, formatScopes, parseScope, type Scope } from '../../scopes/index.ts';
import { promptsOf } from '../authorize-request.ts';
import { established, refuse, type AuthorizeDeps, type AuthorizeState, type AuthorizeStep } from '../authorize-step.ts';
import type { ConsentSubject } from '../authorize-outcome.ts';
import { patientUserOf } from '../../access/patient-user.ts';
import { consentChoices } from '../granular-categories.ts';
import { redirectHostOf } from '../redirect-uris.ts';
import { consentDenied, consentGranted } from '../../audit/security-events.ts';
import { authorizeActor } from '../authorize-actor.ts';

/**
 * The user decides what the app gets (SMART App Launch: the user may grant less than asked). First-party
 * clients are trusted with everything they may have, unless the app asks with `prompt=consent` (OIDC Core
 * §3.1.2.1). Nothing else is remembered: every other authorization asks again. Only offered scopes, or the
 * category narrowings of an offered Condition/Observation scope the page showed (ONC g10 granular scope
 * selection), can be granted, whatever the form says. The page names the host the answer goes to, and says
 * when the app registered itself and nobody has reviewed it. The user's answer (not a first-party client's pass) is
 * recorded before the request goes on.
 */
export const askConsent: AuthorizeStep = {
  name: 'ask-consent',
  async run(input, state, deps) {
    const client = established(state.client, 'client');
    const offered = established(state.offered, 'offered scopes');
    const redirectUri = established(state.redirectUri, 'redirect_uri');
    if (client.first_party === true && !promptsOf(input.params).has('consent')) return { add: { granted: offered } };
    const choices = consentChoices(offered);
    const decision = input.decision;
    // A picker's answer is no consent: the consent page comes next.
    if (!decision || decision.allow === undefined) {
      const categories: Record<string, string[]> = {};
      for (const choice of choices) if (choice.categories.length > 0) categories[formatScope(choice.scope)] = choice.categories.map(formatScope);
      return {
        outcome: {
          kind: 'consent',
          clientName: client.name ?? client.id,
          app: appIdentityOf(client),
          subject: await consentSubject(state, deps),
          ...(state.encounter !== undefined && state.launch === undefined ? { encounter: state.encounter } : {}),
          scopes: offered.map(formatScope),
          categories,
          redirectHost: redirectHostOf(redirectUri),
          unverified: isUnverifiedClient(client),
        },
      };
    }
    if (!decision.allow) {
      await deps.audit.record(consentDenied(deps.audit.site, authorizeActor(input, state), 'the user denied access'));
      return refuse(input, state, 'access_denied', 'the user denied access');
    }
    // Compared in normal form, so `%7C` and `|` in a posted category are the same scope.
    const checked = new Set(decision.scopes.map((text) => formatScope(parseScope(text))));
    const granted = new Map<string, Scope>();
    for (const choice of choices) {
      for (const scope of [choice.scope, ...choice.categories]) {
        const text = formatScope(scope);
        if (checked.has(text) && !granted.has(text)) granted.set(text, scope);
      }
    }
    if (granted.size === 0) {
      await deps.audit.record(consentDenied(deps.audit.site, authorizeActor(input, state), 'the user granted no access'));
      return refuse(input, state, 'access_denied', 'the user granted no access');
    }
    const scopes = [...granted.values()];
    await deps.audit.record(consentGranted(deps.audit.site, authorizeActor(input, state), formatScopes(scopes)));
    return { add: { granted: scopes } };
  },
};

/**
 * Whose record the consent is about: a patient user's own; for anyone else, the patient an EHR launch brought,
 * named (SMART App Launch 2.2 §"EHR launch": the user sees which record the app will open); else not known yet.
 */
async function consentSubject(state: Readonly<AuthorizeState>, deps: AuthorizeDeps): Promise<ConsentSubject> {
  if (patientUserOf(state.session?.user.fhirUser) !== undefined) return { kind: 'own' };
  const patient = state.patient ?? state.launch?.patient;
  if (patient === undefined) return { kind: 'records' };
  const name = await deps.patientName?.(patient);
  return { kind: 'patient', id: patient, ...(name ? { name } : {}) };
}
