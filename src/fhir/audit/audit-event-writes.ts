import type { FhirRoute } from '../interaction.ts';
import { FhirError, issue } from '../outcome.ts';
import type { InteractionName } from '../resolve-route.ts';

/** The interactions that would create, change or delete a resource. */
const WRITES: ReadonlySet<InteractionName> = new Set(['create', 'update', 'conditional-update', 'delete', 'conditional-delete', 'patch', 'conditional-patch']);

/**
 * AuditEvents are written by the server's own audit trail only, and never changed: a write of one through the FHIR
 * API is refused for every caller, root included, as a Bundle entry too. 405, not 403: the server does not offer the
 * interaction on the type at all (FHIR R4 http.html §3.1.0.1.x: an interaction the server does not support for a
 * type is 405 Method Not Allowed, and its CapabilityStatement lists only the reads), whereas 403 would say this
 * caller lacks a permission some other caller might have.
 */
export function refuseAuditEventWrite(interaction: InteractionName, route: FhirRoute): void {
  if (route.resourceType === 'AuditEvent' && WRITES.has(interaction)) {
    throw new FhirError(405, issue('not-supported', `AuditEvents are recorded by the server and cannot be written through the FHIR API (${interaction})`), {
      Allow: 'GET, HEAD',
    });
  }
}
