import type { Coding } from './audit-trail.ts';

/**
 * The codes every producer of AuditEvents uses, in one place: FHIR R4's and DICOM's where they have one (IHE BALP
 * uses them), Portico's own for the OAuth events no standard names.
 */

export const DICOM = 'http://dicom.nema.org/resources/ontology/DCM';
export const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
export const RESTFUL_INTERACTION = 'http://hl7.org/fhir/restful-interaction';
export const AUDIT_ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
export const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
export const PARTICIPATION_TYPE = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
export const SECURITY_SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
/** BALP's entity types (`XrequestId`: the X-Request-Id a client sent). */
export const BALP_ENTITY_TYPE = 'https://profiles.ihe.net/ITI/BALP/CodeSystem/BasicAuditEntityType';

/** Portico's own subtypes of security events (`token-issued`, `sign-in-failed`, …). */
export const PORTICO_AUDIT_SUBTYPE = 'http://portico.example.org/fhir/CodeSystem/audit-event-subtype';
/** Identifier systems of what Portico names by its own ids. */
export const USER_ID_SYSTEM = 'http://portico.example.org/fhir/sid/user';
export const CLIENT_ID_SYSTEM = 'http://portico.example.org/fhir/sid/client';
export const GRANT_ID_SYSTEM = 'http://portico.example.org/fhir/sid/grant';
export const TENANT_ID_SYSTEM = 'http://portico.example.org/fhir/sid/tenant';
export const SIGNING_KEY_SYSTEM = 'http://portico.example.org/fhir/sid/signing-key';
export const POLICY_ID_SYSTEM = 'http://portico.example.org/fhir/sid/access-policy';
export const IDENTITY_PROVIDER_ID_SYSTEM = 'http://portico.example.org/fhir/sid/identity-provider';

const coding = (system: string, code: string, display: string): Coding => ({ system, code, display });

/** AuditEvent.type of each family of events. */
export const EVENT_TYPE = {
  /** BALP: every FHIR RESTful interaction. */
  rest: coding(AUDIT_EVENT_TYPE, 'rest', 'Restful Operation'),
  /** Sign-in, sign-out, lockout. */
  userAuthentication: coding(DICOM, '110114', 'User Authentication'),
  /** Codes, tokens, consent: what the authorization server grants. */
  securityAlert: coding(DICOM, '110113', 'Security Alert'),
  /** Clients, users, policies, keys, tenants changed. */
  applicationActivity: coding(DICOM, '110100', 'Application Activity'),
  /** Bulk Data export kick-off and file downloads. */
  export: coding(DICOM, '110106', 'Export'),
} as const;

/** DICOM's event type codes used as subtypes, next to Portico's own. */
export const DICOM_SUBTYPE = {
  login: coding(DICOM, '110122', 'Login'),
  logout: coding(DICOM, '110123', 'Logout'),
  securityConfiguration: coding(DICOM, '110129', 'Security Configuration'),
  userSecurityAttributesChanged: coding(DICOM, '110137', 'User Security Attributes Changed'),
  securityRolesChanged: coding(DICOM, '110136', 'Security Roles Changed'),
} as const;

/** One of Portico's own subtypes (PORTICO_AUDIT_SUBTYPE). */
export const porticoSubtype = (code: string, display: string): Coding => coding(PORTICO_AUDIT_SUBTYPE, code, display);

/** AuditEvent.subtype of a RESTful interaction (FHIR R4 restful-interaction: `read`, `search-type`, `transaction`, …). */
export const restfulSubtype = (interaction: string): Coding => coding(RESTFUL_INTERACTION, interaction, interaction);

/** Agent types (BALP). */
export const AGENT_TYPE = {
  /** The user on whose behalf the client acts: the information recipient. */
  user: coding(PARTICIPATION_TYPE, 'IRCP', 'information recipient'),
  /** The client app: where the request came from. */
  client: coding(DICOM, '110153', 'Source Role ID'),
  /** This server: where the request was answered. */
  server: coding(DICOM, '110152', 'Destination Role ID'),
} as const;

/** Entity type and role pairs (BALP). */
export const ENTITY = {
  /** A FHIR resource the event is about. */
  resource: { type: coding(AUDIT_ENTITY_TYPE, '2', 'System Object'), role: coding(OBJECT_ROLE, '4', 'Domain Resource') },
  /** The patient whose data the event touched. */
  patient: { type: coding(AUDIT_ENTITY_TYPE, '1', 'Person'), role: coding(OBJECT_ROLE, '1', 'Patient') },
  /** A search's query (its text in `query`, base64). */
  query: { type: coding(AUDIT_ENTITY_TYPE, '2', 'System Object'), role: coding(OBJECT_ROLE, '24', 'Query') },
  /** A grant, client, user, key or policy: what a security event is about, by id. */
  securityResource: { type: coding(AUDIT_ENTITY_TYPE, '2', 'System Object'), role: coding(OBJECT_ROLE, '13', 'Security Resource') },
  /** The X-Request-Id the client sent. */
  requestId: { type: coding(BALP_ENTITY_TYPE, 'XrequestId', 'X-Request-Id') },
} as const;
