import { EVENT_KINDS } from '../../../auth/console/console-audit.ts';
import type { ConsoleAuditEntry } from '../../../auth/console/console-audit.ts';
import {
  CLIENT_ID_SYSTEM,
  GRANT_ID_SYSTEM,
  POLICY_ID_SYSTEM,
  SIGNING_KEY_SYSTEM,
  TENANT_ID_SYSTEM,
  USER_ID_SYSTEM,
} from '../../../fhir/audit/audit-codes.ts';
import type { AuditEventAgent, AuditEventEntity, Reference, RecordedAuditEvent } from '../../../fhir/audit/audit-trail.ts';
import type { AuditEventView } from '../../../ui/console/audit-event-page.ts';
import type { AuditRowView } from '../../../ui/console/audit-page.ts';

/** FHIR R4 audit-event-outcome. */
const OUTCOMES: Readonly<Record<string, string>> = { '0': 'Success', '4': 'Minor failure', '8': 'Serious failure', '12': 'Major failure' };
/** FHIR R4 audit-event-action. */
const ACTIONS: Readonly<Record<string, string>> = { C: 'Create', R: 'Read', U: 'Update', D: 'Delete', E: 'Execute' };
/** What Portico names by its own ids (audit-codes.ts), as a word before the id. */
const ID_SYSTEMS: Readonly<Record<string, string>> = {
  [USER_ID_SYSTEM]: 'User',
  [CLIENT_ID_SYSTEM]: 'Client',
  [GRANT_ID_SYSTEM]: 'Grant',
  [TENANT_ID_SYSTEM]: 'Tenant',
  [SIGNING_KEY_SYSTEM]: 'Signing key',
  [POLICY_ID_SYSTEM]: 'Access policy',
};

const identifierOf = (event: RecordedAuditEvent, system: string) => event.agent.find((a) => a.who?.identifier?.system === system)?.who?.identifier?.value;

/** An event as a row of the log (`withTenant`: the root's console, which lists every tenant's). */
export function auditRowView(entry: ConsoleAuditEntry, withTenant: boolean): AuditRowView {
  const { event } = entry;
  const kind = Object.values(EVENT_KINDS).find((k) => k.type.system === event.type.system && k.type.code === event.type.code);
  const outcome = event.outcome ?? '0';
  const user = identifierOf(event, USER_ID_SYSTEM) ?? event.agent.find((a) => a.requestor && a.who?.reference)?.who?.reference;
  const app = identifierOf(event, CLIENT_ID_SYSTEM);
  return {
    id: event.id,
    recorded: new Date(event.recorded),
    ...(withTenant ? { tenant: entry.tenant } : {}),
    kind: kind?.label ?? event.type.display ?? event.type.code ?? 'unknown',
    what: (event.subtype ?? []).map((s) => s.display ?? s.code ?? '').filter((s) => s !== '').join(', ') || (event.type.display ?? ''),
    outcome: OUTCOMES[outcome] ?? outcome,
    failed: outcome !== '0',
    ...(event.outcomeDesc ? { reason: event.outcomeDesc } : {}),
    ...(user ? { user } : {}),
    ...(app ? { app } : {}),
  };
}

/** An event in full: its row, its agents and entities (a query decoded from base64), the JSON as recorded. */
export function auditEventView(entry: ConsoleAuditEntry, withTenant: boolean): AuditEventView {
  const { event } = entry;
  return {
    ...auditRowView(entry, withTenant),
    ...(event.action ? { action: `${ACTIONS[event.action] ?? event.action} (${event.action})` } : {}),
    agents: event.agent.map(agentView),
    entities: (event.entity ?? []).map(entityView),
    json: JSON.stringify(event, null, 2),
  };
}

function agentView(agent: AuditEventAgent): AuditEventView['agents'][number] {
  const type = agent.type?.coding?.[0];
  return {
    role: type?.display ?? type?.code ?? agent.type?.text ?? 'agent',
    who: referenceText(agent.who) ?? agent.name ?? agent.altId ?? '',
    requestor: agent.requestor,
    ...(agent.network?.address ? { address: agent.network.address } : {}),
  };
}

function entityView(entity: AuditEventEntity): AuditEventView['entities'][number] {
  return {
    role: entity.role?.display ?? entity.type?.display ?? entity.type?.code ?? '',
    what: referenceText(entity.what) ?? '',
    ...(entity.name ? { name: entity.name } : {}),
    ...(entity.description ? { description: entity.description } : {}),
    ...(entity.query !== undefined ? { query: decoded(entity.query) } : {}),
    details: (entity.detail ?? []).map((d) => ({ type: d.type, value: d.valueString ?? (d.valueBase64Binary !== undefined ? decoded(d.valueBase64Binary) : '') })),
  };
}

/** A reference as read: `Patient/123`, `User u-1` (our own ids by their system), or its display. */
function referenceText(ref: Reference | undefined): string | undefined {
  if (!ref) return undefined;
  const identifier = ref.identifier?.value !== undefined ? `${(ref.identifier.system && ID_SYSTEMS[ref.identifier.system]) || ref.identifier.system || 'id'} ${ref.identifier.value}` : undefined;
  const parts = [ref.reference, identifier, ref.display].filter((p): p is string => p !== undefined && p !== '');
  return parts.length ? parts.join(' · ') : undefined;
}

/** base64Binary as UTF-8 text (BALP records a search's query string so). */
const decoded = (base64: string) => Buffer.from(base64, 'base64').toString('utf8');
