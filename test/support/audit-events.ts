import type { PorticoOverrides } from '../../src/portico.ts';
import type { AuditEvent } from '../../src/fhir/audit/audit-trail.ts';

/** A BALP-shaped RESTful read, told apart by `n`. */
export function readEvent(n: number): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'RESTful Operation' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read', display: 'read' }],
    action: 'R',
    outcome: '0',
    agent: [{ requestor: true, who: { reference: `Practitioner/p${n % 7}` }, network: { address: '203.0.113.9', type: '2' } }],
    source: { observer: { display: 'Portico' } },
    entity: [{ what: { reference: `Observation/o${n}` } }],
  };
}

export interface EventShape {
  type?: { system?: string; code: string };
  subtype?: { system?: string; code: string }[];
  action?: AuditEvent['action'];
  outcome?: AuditEvent['outcome'];
  outcomeDesc?: string;
  /** agent.who references (`Practitioner/p1`, `Patient/pa`). */
  agents?: string[];
  /** A client agent by id (agent.who.identifier). */
  client?: string;
  /** entity.what references. */
  entities?: string[];
  /** source.observer reference. */
  observer?: string;
}

const AUDIT_EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL = 'http://hl7.org/fhir/restful-interaction';

/** An AuditEvent with the given search-relevant parts (a successful RESTful read by default). */
export function auditEvent(shape: EventShape = {}): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    type: shape.type ?? { system: AUDIT_EVENT_TYPE, code: 'rest' },
    subtype: shape.subtype ?? [{ system: RESTFUL, code: 'read' }],
    action: shape.action ?? 'R',
    outcome: shape.outcome ?? '0',
    ...(shape.outcomeDesc !== undefined ? { outcomeDesc: shape.outcomeDesc } : {}),
    agent: [
      ...(shape.agents ?? []).map((reference) => ({ requestor: true, who: { reference } })),
      ...(shape.client !== undefined ? [{ requestor: false, who: { identifier: { system: 'http://portico.example.org/fhir/sid/client', value: shape.client } } }] : []),
    ],
    source: { observer: shape.observer !== undefined ? { reference: shape.observer } : { display: 'Portico' } },
    entity: (shape.entities ?? []).map((reference) => ({ what: { reference } })),
  };
}

/**
 * For tests that read a fixed set of events they record themselves: the server's own events (every FHIR request these
 * tests make, their searches of AuditEvent too, carries its `source.site`) are left out, the test's (no site) kept.
 */
export const onlyRecordedByTheTest: PorticoOverrides = {
  wrapAuditTrail: (trail) => ({ record: (tenant, event) => (event.source.site === undefined ? trail.record(tenant, event) : Promise.resolve()) }),
};
