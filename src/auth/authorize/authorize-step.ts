import type { PatientCompartment } from '../../fhir/access/patient-compartment.ts';
import type { StoredClient, ClientRepository } from '../clients/client-repository.ts';
import type { AuthorizationCodeStore, Grant } from '../grants/grant.ts';
import type { Scope } from '../scopes/index.ts';
import type { CurrentSession } from '../sessions/session-service.ts';
import { errorRedirect, type AuthorizeErrorCode, type AuthorizeOutcome } from './authorize-outcome.ts';
import type { AuthorizeParams } from './authorize-request.ts';
import type { PatientDirectory } from './patient-directory.ts';
import type { SimulatedError } from '../launch/simulated-error.ts';
import type { SecurityAudit } from '../audit/security-audit.ts';

/** The user's answer on the consent page. */
export interface ConsentDecision {
  /** Allow or Deny on the consent page; absent while only a picker was answered (no consent given yet). */
  allow?: boolean;
  /** The checked `scope` boxes. */
  scopes: readonly string[];
  /** The patient id chosen on the patient picker, when one was. */
  patient?: string;
  /** The patient picker's search text, when its Search button was used (then no patient is chosen yet). */
  patientSearch?: string;
  /** The encounter id chosen on the encounter picker, when one was. */
  encounter?: string;
}

/** What one authorization request brings: its parameters, the browser's session, and the consent answer if any. */
export interface AuthorizeInput {
  params: AuthorizeParams;
  session: CurrentSession | undefined;
  decision?: ConsentDecision;
  /** The browser's network address: its consent and code events'. */
  address?: string;
}

/** Context an EHR launch token carries (SMART App Launch 2.2 §"EHR launch"). */
export interface LaunchContext {
  patient?: string;
  encounter?: string;
  fhirContext?: Grant['fhirContext'];
  user?: string;
  /** The error the sandbox simulates for this launch (honoured only with AuthorizeDeps.simulatedErrors). */
  sim?: SimulatedError;
  jti?: string;
  expiresAt?: Date;
}

export interface AuthorizeDeps {
  /** Our issuer identifier (BASE_URL, or a tenant's): the `iss` of every authorization response (RFC 9207 §2). */
  issuer: string;
  /** The tenant this issuer is: its grants record it, so that only its token endpoint redeems their codes. */
  tenant: string;
  clients: Pick<ClientRepository, 'get'>;
  codes: Pick<AuthorizationCodeStore, 'create'>;
  /** `aud` must name this FHIR base (a trailing slash tolerated). */
  fhirBaseUrl: string;
  /** FHIR resource types, so scopes naming anything else are not offered. */
  resourceTypes?: ReadonlySet<string>;
  /** Verifies an EHR launch's `launch` parameter for this client; absent: EHR launch is refused. */
  verifyLaunch?: (launch: string, clientId: string) => Promise<LaunchContext>;
  /**
   * Sandbox mode: a launch's `sim` claim is honoured (simulated-error.ts). Absent (production), a launch carrying
   * one is refused: a launch token the sandbox minted with a shared key must not change how production answers.
   */
  simulatedErrors?: true;
  /**
   * Records an EHR launch as used (its `jti`, until it expires): true the first time, false for a replay.
   * Absent: launches are not single-use.
   */
  consumeLaunch?: (clientId: string, jti: string, expiresAt: Date) => Promise<boolean>;
  /** A patient's display name, when the record has one (the consent page names the patient of an EHR launch). */
  patientName?: (id: string) => Promise<string | undefined>;
  /** Whether a live Patient has this id (the patient picker's check); absent: no picker, such launches are refused. */
  patientExists?: (id: string) => Promise<boolean>;
  /**
   * What the patient and encounter pickers list, and whose patient a RelatedPerson is; absent: the patient
   * picker lists nobody, no encounter is asked for, a RelatedPerson user gets no patient data.
   */
  directory?: PatientDirectory;
  /** How `patient/` scopes reach each type: what a patient user's scopes can be granted as. */
  compartment: PatientCompartment;
  now: () => Date;
  newId: () => string;
  /** A fresh authorization code (256 random bits, base64url). */
  newCode: () => string;
  /** The tenant's security events: a consent decision and a code issued are committed before the browser is answered. */
  audit: SecurityAudit;
}

/**
 * What the steps have established so far. Each step adds to it; none changes what an earlier one set,
 * except that `confine-to-own-patient` narrows `offered` to what a patient user may grant.
 */
export interface AuthorizeState {
  client?: StoredClient;
  redirectUri?: string;
  /** The scopes the user may be asked for: requested ∩ what the client may have (for a patient user, as patient/ scopes). */
  offered?: Scope[];
  launch?: LaunchContext;
  session?: CurrentSession;
  /** The scopes the user granted (all offered ones for a first-party client). */
  granted?: Scope[];
  patient?: string;
  encounter?: string;
}

/** A step either ends the request with an outcome or adds to the state (or just lets it through). */
export type StepResult = { outcome: AuthorizeOutcome } | { add: Partial<AuthorizeState> } | undefined;

export interface AuthorizeStep {
  /** Shown in logs and tests: which step decided. */
  name: string;
  run(input: AuthorizeInput, state: Readonly<AuthorizeState>, deps: AuthorizeDeps): StepResult | Promise<StepResult>;
}

/** A value an earlier step must have set: its absence is a bug in the step order, not bad input. */
export function established<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`authorize pipeline: ${what} is not established yet`);
  return value;
}

/** Ends the request with an RFC 6749 §4.1.2.1 error redirect (the redirect_uri is known to be registered by then). */
export function refuse(input: AuthorizeInput, state: Readonly<AuthorizeState>, error: AuthorizeErrorCode, description: string): StepResult {
  return { outcome: errorRedirect(established(state.redirectUri, 'redirect_uri'), error, description, input.params.values.state) };
}
