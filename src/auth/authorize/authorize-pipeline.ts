import { StorageFault } from '../../fhir/storage-fault.ts';
import type { AuthorizeOutcome } from './authorize-outcome.ts';
import { refuse, type AuthorizeDeps, type AuthorizeInput, type AuthorizeState, type AuthorizeStep, type StepResult } from './authorize-step.ts';
import { authorizationResponse } from './authorization-response.ts';
import { askConsent } from './steps/ask-consent.ts';
import { checkAppStatus } from './steps/check-app-status.ts';
import { checkClient } from './steps/check-client.ts';
import { checkLaunchUser } from './steps/check-launch-user.ts';
import { checkPkce } from './steps/check-pkce.ts';
import { checkRedirectUri } from './steps/check-redirect-uri.ts';
import { checkAudience, checkNoRepeats, checkPrompt, checkResponseType, checkState } from './steps/check-request.ts';
import { confineToOwnPatient } from './steps/confine-to-own-patient.ts';
import { establishEncounter } from './steps/establish-encounter.ts';
import { establishPatient } from './steps/establish-patient.ts';
import { issueCode } from './steps/issue-code.ts';
import { requireSession } from './steps/require-session.ts';
import { resolveScopes } from './steps/resolve-scopes.ts';
import { verifyLaunch } from './steps/verify-launch.ts';

/**
 * The authorization endpoint, in order (after node-oidc-provider's named steps). The first two decide whether
 * we may redirect at all (error page otherwise); every later error goes back to the app (RFC 6749 §4.1.2.1).
 * Request checks come before sign-in, so a broken request never costs the user a sign-in.
 */
export const AUTHORIZE_STEPS: readonly AuthorizeStep[] = [
  checkClient,
  checkRedirectUri,
  checkNoRepeats,
  checkResponseType,
  checkState,
  checkPrompt,
  checkAudience,
  checkPkce,
  resolveScopes,
  verifyLaunch,
  requireSession,
  checkAppStatus,
  checkLaunchUser,
  confineToOwnPatient,
  // The patient (and visit) first, so that the consent page can name whose record it is about.
  establishPatient,
  establishEncounter,
  askConsent,
  issueCode,
];

export interface AuthorizeResult {
  outcome: AuthorizeOutcome;
  /** The name of the step that decided. */
  decidedBy: string;
}

/**
 * Runs the steps until one decides; the decision goes out as an authorization response (prompt=none, iss). A
 * database busy or out of reach once the redirect_uri is known to be registered is the app's
 * `temporarily_unavailable` (RFC 6749 §4.1.2.1: a redirect cannot carry a 503); before that, the fault is
 * thrown, for the page that says so.
 */
export async function runAuthorize(input: AuthorizeInput, deps: AuthorizeDeps, steps: readonly AuthorizeStep[] = AUTHORIZE_STEPS): Promise<AuthorizeResult> {
  let state: AuthorizeState = {};
  for (const step of steps) {
    let result: StepResult;
    try {
      result = await step.run(input, state, deps);
    } catch (err) {
      if (!(err instanceof StorageFault) || state.redirectUri === undefined) throw err;
      result = refuse(input, state, 'temporarily_unavailable', err.description);
    }
    if (result === undefined) continue;
    if ('outcome' in result) return { outcome: authorizationResponse(result.outcome, input, state, deps), decidedBy: step.name };
    state = { ...state, ...result.add };
  }
  throw new Error('authorize pipeline ended without a decision');
}
