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
