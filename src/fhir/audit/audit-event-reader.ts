import { notSupported } from '../outcome.ts';
import type { ResourceReader, ResourceRepository, ResourceWriter } from '../repository.ts';
import type { ResourceRecord } from '../resource.ts';
import type { SearchParameterRegistry } from '../search/registry.ts';
import type { AuditLog } from './audit-log.ts';
import { auditQuery } from './audit-query.ts';
import type { RecordedAuditEvent } from './audit-trail.ts';

export interface AuditEventReading {
  /** The tenant's trail; absent: there are no AuditEvents to read. */
  log: AuditLog | undefined;
  /**
   * Leave out `outcomeDesc` (why a request was refused: which scope, policy or compartment rule decided): it is for
   * administrators, so every caller but the root client reads events without it.
   */
  redact: boolean;
  registry: SearchParameterRegistry;
  baseUrl: string;
}

/** An event is stored once and never changed: version 1, last updated when it was recorded. */
const VERSION = '1';

/** An event as a resource record: its one version, `meta` set, `outcomeDesc` left out when redacting. */
export function auditEventRecord(event: RecordedAuditEvent, redact: boolean): ResourceRecord {
  const { resourceType, id, outcomeDesc, ...rest } = event;
  const meta = { versionId: VERSION, lastUpdated: event.recorded };
  return {
    resourceType,
    id,
    versionId: VERSION,
    lastUpdated: event.recorded,
    deleted: false,
    method: 'POST',
    resource: { resourceType, id, meta, ...rest, ...(outcomeDesc !== undefined && !redact ? { outcomeDesc } : {}) },
  };
}

const AUDIT_EVENT = 'AuditEvent';

/**
 * The reader a request (or an export) sees, with AuditEvents read from the audit trail rather than the resource
 * tables, which never hold them: read, vread (`_history/1`), the instance's history (its one version) and search.
 * Every other type goes to `inner`. It sits under the access layer (src/fhir/authorization), which constrains it as
 * any repository: a patient-confined caller's compartment becomes a `patient` filter of the trail's query.
 */
export function auditEventReader<R extends ResourceReader>(inner: R, reading: AuditEventReading): ResourceReader {
  const { log, redact } = reading;
  const read = async (id: string) => {
    const event = await log?.read(id);
    return event && auditEventRecord(event, redact);
  };
  return {
    read: (resourceType, id) => (resourceType === AUDIT_EVENT ? read(id) : inner.read(resourceType, id)),
    vread: async (resourceType, id, versionId) => {
      if (resourceType !== AUDIT_EVENT) return inner.vread(resourceType, id, versionId);
      return versionId === VERSION ? read(id) : undefined;
    },
    async search(request) {
      if (request.resourceType !== AUDIT_EVENT) return inner.search(request);
      const query = auditQuery(request, { registry: reading.registry, baseUrl: reading.baseUrl });
      if (!log) return { matches: [], included: [], ...(query.total ? { total: 0 } : {}) };
      const page = await log.search(query);
      return {
        matches: page.events.map((e) => auditEventRecord(e, redact)),
        included: [],
        ...(page.total !== undefined ? { total: page.total } : {}),
        ...(page.next !== undefined ? { next: page.next } : {}),
      };
    },
    async history(request) {
      if (request.resourceType !== AUDIT_EVENT) return inner.history(request);
      // The CapabilityStatement offers AuditEvent's instance history only: an event has one version.
      if (request.id === undefined) throw notSupported('History of AuditEvent is offered per event only (AuditEvent/[id]/_history); search by date instead', 405);
      const record = await read(request.id);
      return { entries: record ? [record] : [], total: record ? 1 : 0 };
    },
  };
}

/** A unit of work's writer with the same reads: writes of AuditEvent never get here (audit-event-writes.ts). */
export function auditEventWriter(inner: ResourceWriter, reading: AuditEventReading): ResourceWriter {
  return {
    ...auditEventReader(inner, reading),
    save: (input) => inner.save(input),
    delete: (resourceType, id, ifMatchVersion) => inner.delete(resourceType, id, ifMatchVersion),
  };
}

/** The repository with the same reads; its units of work's writers too. */
export function auditEventRepository(inner: ResourceRepository, reading: AuditEventReading): ResourceRepository {
  return {
    ...auditEventReader(inner, reading),
    transaction: (fn) => inner.transaction((writer) => fn(auditEventWriter(writer, reading))),
  };
}
