import assert from 'node:assert/strict';
import type { RecordedAuditEvent } from '../../src/fhir/audit/audit-trail.ts';
import type { Portico } from '../../src/portico.ts';
import { ROOT_AUTHORIZATION } from './fhir-client.ts';

/**
 * A tenant's AuditEvents, oldest first, filtered as the FHIR search parameters `type`, `subtype` and `action` do (a
 * code alone, or `system|code`): a root search of `/fhir/AuditEvent` (or `/t/{tenant}/fhir/AuditEvent`), following
 * its `next` links to the end. The searches are recorded too, once the FHIR API records its own reads: the pages stop
 * at `date=le` the server's clock when this starts, so those events never keep it paging.
 */
export async function auditEvents(
  portico: Pick<Portico, 'app' | 'fhir'> & { config?: { admin: { clientId: string; clientSecret: string } } },
  filter: { type?: string; subtype?: string; action?: string } = {},
  tenant = 'default',
): Promise<RecordedAuditEvent[]> {
  const base = tenant === 'default' ? '/fhir' : `/t/${tenant}/fhir`;
  const query = new URLSearchParams({ _sort: 'date', _count: '1000', date: `le${portico.fhir.now().toISOString()}` });
  for (const [name, value] of Object.entries(filter)) if (value !== undefined) query.append(name, value);
  // The root client's credentials as this Portico was configured (production tests set their own).
  const authorization = portico.config ? `Basic ${Buffer.from(`${portico.config.admin.clientId}:${portico.config.admin.clientSecret}`).toString('base64')}` : ROOT_AUTHORIZATION;
  const events: RecordedAuditEvent[] = [];
  let url: string | undefined = `${base}/AuditEvent?${query}`;
  while (url !== undefined) {
    const res: { statusCode: number; body: string } = await portico.app.inject({ method: 'GET', url, headers: { authorization, accept: 'application/fhir+json' } });
    assert.equal(res.statusCode, 200, `GET ${url}: ${res.body}`);
    const bundle = JSON.parse(res.body) as { entry?: { resource: RecordedAuditEvent }[]; link?: { relation: string; url: string }[] };
    events.push(...(bundle.entry ?? []).map((e) => e.resource));
    const next = bundle.link?.find((l) => l.relation === 'next')?.url;
    url = next === undefined ? undefined : next.slice(new URL(next).origin.length);
  }
  return events;
}
