import type { EncounterChoice, PatientChoice } from './patient-directory.ts';

/** What the authorize pipeline decided; the HTTP layer turns it into a page or a redirect. */
export type AuthorizeOutcome =
  /** The client or redirect_uri cannot be trusted: never redirect (RFC 6749 §4.1.2.1, first paragraph). */
  | { kind: 'error-page'; title: string; message: string }
  /** Back to the app, with a code or an error. */
  | { kind: 'redirect'; location: string }
  /** Nobody is signed in: the sign-in page, then this request again. */
  | { kind: 'sign-in' }
  /**
   * The user must decide: the consent page offering these scopes, and for some of them (by scope) the narrower
   * category scopes the user may grant instead (ONC g10 granular scope selection).
   */
  | { kind: 'consent'; clientName: string; scopes: string[]; categories?: Record<string, string[]> }
  /**
   * A patient must be chosen (a practitioner's standalone launch); `scopes` are the ones already granted,
   * `patients` the ones matching `search` (or a first page of all).
   */
  | { kind: 'pick-patient'; clientName: string; scopes: string[]; search: string; patients: PatientChoice[]; error?: string }
  /** A standalone launch asked for `launch/encounter`: one of the patient's encounters must be chosen. */
  | { kind: 'pick-encounter'; clientName: string; scopes: string[]; patient: string; encounters: EncounterChoice[]; error?: string };

/** RFC 6749 §4.1.2.1 error codes the authorize endpoint uses. */
export type AuthorizeErrorCode =
  | 'invalid_request'
  | 'unauthorized_client'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'server_error'
  | 'temporarily_unavailable';

/**
 * The redirect_uri with parameters added, keeping any query it already has (RFC 6749 §3.1.2). Built on the
 * registered string itself, not a re-serialized URL, so the app gets back exactly what it registered.
 */
export function redirectTo(redirectUri: string, params: Record<string, string | undefined>): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.append(name, value);
  const hash = redirectUri.indexOf('#');
  const base = hash === -1 ? redirectUri : redirectUri.slice(0, hash);
  const separator = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${separator}${query.toString()}`;
}

/** An error redirect: `error`, `error_description` and `state` exactly as received; never a `code`. */
export function errorRedirect(redirectUri: string, error: AuthorizeErrorCode, description: string, state: string | undefined): AuthorizeOutcome {
  return { kind: 'redirect', location: redirectTo(redirectUri, { error, error_description: description, state }) };
}
