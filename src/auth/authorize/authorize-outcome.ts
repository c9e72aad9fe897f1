import type { AppIdentity } from './app-identity.ts';
import type { OAuthErrorCode } from '../oauth-error.ts';
import type { AuthorizeParams } from './authorize-request.ts';
import type { EncounterChoice, PatientChoice } from './patient-directory.ts';

/** The parameters of an authorization response (RFC 6749 §4.1.2, §4.1.2.1); absent values are left out. */
export type AuthorizationResponse = Readonly<Record<string, string | undefined>>;

/** What the authorize pipeline decided; the HTTP layer turns it into a page or a redirect. */
export type AuthorizeOutcome =
  /** The client or redirect_uri cannot be trusted: never redirect (RFC 6749 §4.1.2.1, first paragraph). */
  | { kind: 'error-page'; title: string; message: string }
  /** Back to the app at its redirect_uri, with a code or an error. */
  | { kind: 'redirect'; redirectUri: string; response: AuthorizationResponse }
  /**
   * Nobody is signed in, or the app asked for a fresh sign-in: the sign-in page, then `params` (this same
   * request when absent).
   */
  | { kind: 'sign-in'; params?: AuthorizeParams }
  /**
   * The user must decide: the consent page offering these scopes, and for some of them (by scope) the narrower
   * category scopes the user may grant instead (ONC g10 granular scope selection). `redirectHost` is where the
   * answer sends the browser; `unverified` marks a client that registered itself and nobody has reviewed.
   */
  | {
      kind: 'consent';
      clientName: string;
      app: AppIdentity;
      /** Whose record the app asks for: the user's own, a patient known already (an EHR launch), or not yet known. */
      subject: ConsentSubject;
      /** The visit chosen on the encounter picker, carried through the consent form. */
      encounter?: string;
      scopes: string[];
      categories?: Record<string, string[]>;
      redirectHost: string;
      unverified: boolean;
    }
  /**
   * A patient must be chosen (a practitioner's standalone launch), before consent; `patients` are the ones
   * matching `search` (or a first page of all).
   */
  | { kind: 'pick-patient'; clientName: string; search: string; patients: PatientChoice[]; error?: string }
  /** A standalone launch asked for `launch/encounter`: one of the patient's encounters must be chosen, before consent. */
  | { kind: 'pick-encounter'; clientName: string; patient: string; encounters: EncounterChoice[]; error?: string };

/** Whose record a consent is about. */
export type ConsentSubject = { kind: 'own' } | { kind: 'patient'; id: string; name?: string } | { kind: 'records' };

/** The outcomes that show the user a page of ours (which `prompt=none` forbids). */
export type InteractiveOutcome = Exclude<AuthorizeOutcome, { kind: 'error-page' } | { kind: 'redirect' }>;

/** RFC 6749 §4.1.2.1 error codes the authorize endpoint uses, and OIDC Core §3.1.2.6's for `prompt=none`. */
export type AuthorizeErrorCode = Extract<
  OAuthErrorCode,
  | 'invalid_request'
  | 'unauthorized_client'
  | 'access_denied'
  | 'unsupported_response_type'
  | 'invalid_scope'
  | 'server_error'
  | 'temporarily_unavailable'
  | 'login_required'
  | 'consent_required'
  | 'interaction_required'
>;

/**
 * The redirect_uri with parameters added, keeping any query it already has (RFC 6749 §3.1.2). Built on the
 * registered string itself, not a re-serialized URL, so the app gets back exactly what it registered.
 */
export function redirectTo(redirectUri: string, params: AuthorizationResponse): string {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) if (value !== undefined) query.append(name, value);
  const hash = redirectUri.indexOf('#');
  const base = hash === -1 ? redirectUri : redirectUri.slice(0, hash);
  const separator = base.includes('?') ? (base.endsWith('?') || base.endsWith('&') ? '' : '&') : '?';
  return `${base}${separator}${query.toString()}`;
}

/** An error redirect: `error`, `error_description` and `state` exactly as received; never a `code`. */
export function errorRedirect(redirectUri: string, error: AuthorizeErrorCode, description: string, state: string | undefined): AuthorizeOutcome {
  return { kind: 'redirect', redirectUri, response: { error, error_description: description, state } };
}
