import type { AuditEvent, AuditTrail } from '../../fhir/audit/audit-trail.ts';
import { StorageFault } from '../../fhir/storage-fault.ts';

/**
 * Where the authorization server's flows record their security events: one tenant's chain on the auth pool's trail,
 * at that tenant's issuer (the events' `source.site`). `record` resolves once the event is committed; the flows
 * await it before they answer, so no response goes out without its event.
 */
export interface SecurityAudit {
  /** The issuer whose flows these are: every event's source site. */
  readonly site: string;
  /** Rejects with a StorageFault when the event could not be committed: the request then fails as the database being unavailable does. */
  record(event: AuditEvent): Promise<void>;
}

/**
 * The event could not be made durable. A StorageFault, so that every OAuth surface and the pages already answer it in
 * their own shape (503 with Retry-After, `temporarily_unavailable`; at the authorization endpoint once the
 * redirect_uri is known, that error redirected back to the app, RFC 6749 §4.1.2.1).
 */
export class AuditNotRecorded extends StorageFault {
  readonly kind = 'unavailable';
  readonly retryAfterSeconds = 5;
  readonly description = 'The server could not record this request in its audit trail; try again shortly';
}

/** A tenant's security audit on `trail`, its events' source being `site` (the tenant's issuer). */
export function createSecurityAudit(trail: AuditTrail, tenant: string, site: string): SecurityAudit {
  return {
    site,
    async record(event) {
      try {
        await trail.record(tenant, event);
      } catch (error) {
        // A busy or unreachable database keeps its own answer; anything else is the trail failing.
        if (error instanceof StorageFault) throw error;
        throw new AuditNotRecorded('audit event not recorded', { cause: error });
      }
    },
  };
}
