/**
 * What the audit trail tells a user about their own record and account, as the authorized-apps page shows it: the
 * FHIR requests their apps made about their patient, and the sign-ins made with their account. A query port:
 * `src/storage/audit/access-history-store.ts` implements it on one tenant's events, and keeps every query bounded
 * (a time window and a limit).
 */

/** One FHIR request an app made about the patient, as the patient may see it. */
export interface AppAccessEvent {
  recorded: Date;
  /** The request's subtype code: FHIR R4 restful-interaction (`read`, `search-type`, …) or Portico's own (`export-file`). */
  interaction: string;
  /** The resource type read or searched, when the request named one. */
  resourceType?: string;
  /** The resource's id, only when the request touched no other patient's data (their ids are never shown). */
  resourceId?: string;
  /** Answered (outcome 0), or refused or failed. Why it was refused is for administrators only: never here. */
  allowed: boolean;
}

/** How many successful reads of a resource type an app made on one day (UTC). */
export interface AppReadCount {
  /** `YYYY-MM-DD`, UTC. */
  day: string;
  resourceType: string;
  count: number;
}

/** One app's (client's) requests about the patient within the window. */
export interface AppAccessSummary {
  clientId: string;
  /** Its most recent request about the patient. */
  lastAccess: Date;
  /** Successful reads (read, vread, search, history) per day and resource type, newest day first. */
  reads: AppReadCount[];
  /** Its most recent requests, newest first, at most the query's `limit`. */
  events: AppAccessEvent[];
}

export type SignInKind = 'sign-in' | 'sign-in-failed' | 'lockout';

/** One sign-in attempt with the user's account. */
export interface SignInRecord {
  recorded: Date;
  kind: SignInKind;
  /** The network address it came from, when recorded. */
  address?: string;
}

export interface AppAccessQuery {
  /** The signed-in user: only requests made on their behalf (their grants) count. */
  userId: string;
  /** Their patient: only requests about that patient's record count. */
  patientId: string;
  /** The window's start. */
  since: Date;
  /** Events listed per app at most. */
  limit: number;
}

export interface AccessHistory {
  /** Per app, the requests it made for the user about their patient since `since`, the most recently active app first. */
  appAccess(query: AppAccessQuery): Promise<AppAccessSummary[]>;
  /** The user's sign-ins, failures and lockouts since `since`, newest first, at most `limit`. */
  signIns(query: { userId: string; since: Date; limit: number }): Promise<SignInRecord[]>;
}
