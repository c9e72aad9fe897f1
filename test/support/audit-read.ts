import type { RecordedAuditEvent } from '../../src/fhir/audit/audit-trail.ts';
import type { Portico } from '../../src/portico.ts';

/**
 * A tenant's AuditEvents, oldest first, filtered as the FHIR search parameters `type`, `subtype` and `action`
 * would (a code alone, or `system|code`).
 *
 * Reads the trail's table while `GET /fhir/AuditEvent` is being built; it becomes a root search at
 * `/fhir/AuditEvent` (or `/t/{tenant}/fhir/AuditEvent`) with the same parameters once that is served.
 */
export async function auditEvents(
  portico: Pick<Portico, 'db'>,
  filter: { type?: string; subtype?: string; action?: string } = {},
  tenant = 'default',
): Promise<RecordedAuditEvent[]> {
  const rows = await portico.db.query<{ resource: RecordedAuditEvent }>(
    `SELECT resource FROM audit_event WHERE tenant = $1 ORDER BY recorded, chain, seq`,
    [tenant === 'default' ? '' : tenant],
  );
  const matches = (codings: { system?: string; code?: string }[] | undefined, token: string | undefined) => {
    if (token === undefined) return true;
    const [system, code] = token.includes('|') ? token.split('|', 2) : [undefined, token];
    return (codings ?? []).some((c) => c.code === code && (system === undefined || c.system === system));
  };
  return rows
    .map((r) => r.resource)
    .filter((e) => matches([e.type], filter.type) && matches(e.subtype, filter.subtype) && (filter.action === undefined || e.action === filter.action));
}
