/**
 * The audit trail's port: both the FHIR API and the authorization server record what happened as FHIR R4
 * AuditEvents (FHIR R4 auditevent.html), in the shapes of IHE Basic Audit Log Patterns (BALP) where one fits.
 * `src/storage/audit` implements it.
 */

export interface Coding {
  system?: string;
  code?: string;
  display?: string;
}

export interface CodeableConcept {
  coding?: Coding[];
  text?: string;
}

export interface Reference {
  reference?: string;
  type?: string;
  identifier?: { system?: string; value?: string };
  display?: string;
}

/** AuditEvent.agent: who took part (the user, the client app, the server), and from where. */
export interface AuditEventAgent {
  type?: CodeableConcept;
  role?: CodeableConcept[];
  who?: Reference;
  altId?: string;
  name?: string;
  requestor: boolean;
  policy?: string[];
  network?: { address?: string; type?: '1' | '2' | '3' | '4' | '5' };
  purposeOfUse?: CodeableConcept[];
}

/** AuditEvent.entity: what the event was about (a resource, a query, a grant), never a token or a secret. */
export interface AuditEventEntity {
  what?: Reference;
  type?: Coding;
  role?: Coding;
  securityLabel?: Coding[];
  name?: string;
  description?: string;
  /** base64Binary: a search's query string, as BALP records it. */
  query?: string;
  detail?: { type: string; valueString?: string; valueBase64Binary?: string }[];
}

/**
 * An R4 AuditEvent as a producer hands it over: `id` and `recorded` are the trail's to assign (a new id, the
 * trail's clock), so that the time in the event is the time it was made durable in order.
 */
export interface AuditEvent {
  resourceType: 'AuditEvent';
  type: Coding;
  subtype?: Coding[];
  /** C create, R read/view/print, U update, D delete, E execute. */
  action?: 'C' | 'R' | 'U' | 'D' | 'E';
  period?: { start?: string; end?: string };
  /** 0 success, 4 minor failure (a refusal), 8 serious failure, 12 major failure. */
  outcome?: '0' | '4' | '8' | '12';
  outcomeDesc?: string;
  purposeOfEvent?: CodeableConcept[];
  agent: AuditEventAgent[];
  source: { site?: string; observer: Reference; type?: Coding[] };
  entity?: AuditEventEntity[];
}

/** An AuditEvent as stored: with its id and the instant it was recorded. */
export interface RecordedAuditEvent extends AuditEvent {
  id: string;
  recorded: string;
}

export interface AuditTrail {
  /**
   * Records an event of a tenant (its id, as in `/t/{tenant}`). Resolves only once the event is durable
   * (committed); rejects when it could not be written, and the caller then fails its request: no request is
   * answered without its event.
   */
  record(tenant: string, event: AuditEvent): Promise<void>;
}
