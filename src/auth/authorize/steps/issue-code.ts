import { hashToken } from '../../tokens/token-hash.ts';
import type { Grant } from '../../grants/grant.ts';
import { formatScopes } from '../../scopes/index.ts';
import { established, refuse, type AuthorizeStep } from '../authorize-step.ts';
import { epochSeconds } from '../../../shared/time.ts';
import { codeIssued } from '../../audit/security-events.ts';
import { authorizeActor } from '../authorize-actor.ts';

/** Codes live 60 s (RFC 6749 §4.1.2 recommends at most 10 minutes; SMART apps redeem them at once). */
const CODE_LIFETIME_SECONDS = 60;

/**
 * Records the grant behind a single-use code (stored by hash) and sends the code back with `state`, once its event
 * (the grant by id, never the code) is committed. When that fails the code is never sent: the pipeline answers the
 * trail's fault as `temporarily_unavailable`, and the stored code expires unused.
 */
export const issueCode: AuthorizeStep = {
  name: 'issue-code',
  async run(input, state, deps) {
    const client = established(state.client, 'client');
    const redirectUri = established(state.redirectUri, 'redirect_uri');
    const { session, user } = established(state.session, 'session');
    const granted = established(state.granted, 'granted scopes');
    const { nonce, code_challenge: codeChallenge } = input.params.values;
    const launch = state.launch;
    // One code per EHR launch: recorded only now, since sign-in and consent run the request several times.
    if (launch?.jti !== undefined && launch.expiresAt !== undefined && deps.consumeLaunch) {
      if (!(await deps.consumeLaunch(client.id, launch.jti, launch.expiresAt))) {
        return refuse(input, state, 'invalid_request', 'this launch was already used; start the app again from the EHR');
      }
    }
    const grant: Grant = {
      id: deps.newId(),
      clientId: client.id,
      userId: user.id,
      ...(user.fhirUser !== undefined ? { fhirUser: user.fhirUser } : {}),
      scope: formatScopes(granted),
      ...(state.patient !== undefined ? { patient: state.patient, needPatientBanner: true } : {}),
      ...(state.encounter !== undefined ? { encounter: state.encounter } : {}),
      ...(launch?.fhirContext !== undefined ? { fhirContext: launch.fhirContext } : {}),
      authTime: epochSeconds(session.authTime),
      ...(nonce !== undefined ? { nonce } : {}),
      // The stored session's id hash: what identifies the session server-side.
      sessionId: session.idHash,
      tenant: deps.tenant,
      // Only a launch the sandbox honoured (verify-launch) gets this far with one.
      ...(launch?.sim !== undefined ? { simulatedError: launch.sim } : {}),
    };
    const code = deps.newCode();
    await deps.codes.create(hashToken(code), {
      grant,
      redirectUri,
      ...(codeChallenge !== undefined ? { codeChallenge } : {}),
      expiresAt: epochSeconds(deps.now()) + CODE_LIFETIME_SECONDS,
    });
    await deps.audit.record(codeIssued(deps.audit.site, authorizeActor(input, state, grant.id), grant.scope));
    return { outcome: { kind: 'redirect', redirectUri, response: { code, state: input.params.values.state } } };
  },
};
