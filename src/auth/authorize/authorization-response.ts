import { errorRedirect, type AuthorizeErrorCode, type AuthorizeOutcome, type InteractiveOutcome } from './authorize-outcome.ts';
import { promptsOf } from './authorize-request.ts';
import { established, type AuthorizeDeps, type AuthorizeInput, type AuthorizeState } from './authorize-step.ts';

/**
 * What `prompt=none` answers instead of each page (OIDC Core §3.1.2.6). Keyed by every page kind, so a new
 * page cannot be added without deciding what a silent request gets in its place.
 */
const SILENT_ERRORS: Readonly<Record<InteractiveOutcome['kind'], [AuthorizeErrorCode, string]>> = {
  'sign-in': ['login_required', 'prompt=none, and the user is not signed in'],
  consent: ['consent_required', 'prompt=none, and this app needs the consent of the user'],
  'pick-patient': ['interaction_required', 'prompt=none, and the user must choose a patient'],
  'pick-encounter': ['interaction_required', 'prompt=none, and the user must choose a visit'],
};

/**
 * Every decision of the pipeline leaves through here. With `prompt=none` no page is ever shown: the app gets
 * the matching error instead (OIDC Core §3.1.2.1). Every response sent back to the app, code or error, names
 * this server in `iss` (RFC 9207 §2), so an app talking to several servers can tell which one answered.
 */
export function authorizationResponse(outcome: AuthorizeOutcome, input: AuthorizeInput, state: Readonly<AuthorizeState>, deps: Pick<AuthorizeDeps, 'issuer'>): AuthorizeOutcome {
  let answer = outcome;
  if (answer.kind !== 'error-page' && answer.kind !== 'redirect' && promptsOf(input.params).has('none')) {
    const [error, description] = SILENT_ERRORS[answer.kind];
    answer = errorRedirect(established(state.redirectUri, 'redirect_uri'), error, description, input.params.values.state);
  }
  if (answer.kind === 'redirect') return { ...answer, response: { ...answer.response, iss: deps.issuer } };
  return answer;
}
