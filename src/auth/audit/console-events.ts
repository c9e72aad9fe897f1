import { actorAgents, actorEntities, serverSource, type AuditActor } from '../../fhir/audit/audit-actor.ts';
import { CLIENT_ID_SYSTEM, DICOM_SUBTYPE, ENTITY, EVENT_TYPE, porticoSubtype, USER_ID_SYSTEM } from '../../fhir/audit/audit-codes.ts';
import type { AuditEvent, AuditEventEntity } from '../../fhir/audit/audit-trail.ts';
import { SECURITY_SUBTYPE } from './security-events.ts';

/**
 * What an administrator ended at the admin console: a grant revoked, a sign-in session ended, a Bulk Data export
 * cancelled. Each is the event its owner's own action records (a token revocation, a sign-out, the export's DELETE),
 * with the administrator as the agent and what was ended named as an entity, by id.
 */

/** Portico's subtypes of the console's own events. */
export const CONSOLE_SUBTYPE = {
  sessionEnded: porticoSubtype('session-ended', 'Session ended by an administrator'),
  exportCancelled: porticoSubtype('export-cancelled', 'Bulk export cancelled by an administrator'),
} as const;

const BY_ADMINISTRATOR = 'by an administrator at the admin console';

const named = (system: string, value: string, name: string): AuditEventEntity => ({ what: { identifier: { system, value } }, ...ENTITY.securityResource, name });

function event(site: string, actor: AuditActor, parts: Pick<AuditEvent, 'type' | 'subtype' | 'outcomeDesc'> & { entities: AuditEventEntity[] }): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    type: parts.type,
    subtype: parts.subtype,
    action: 'E',
    outcome: '0',
    ...(parts.outcomeDesc !== undefined ? { outcomeDesc: parts.outcomeDesc } : {}),
    agent: actorAgents(actor),
    source: serverSource(site),
    entity: [...actorEntities(actor), ...parts.entities],
  };
}

/** RFC 7009's revocation of a whole grant (every token of it), made by an administrator instead of its client. */
export const grantRevokedByAdministrator = (site: string, admin: AuditActor, grant: { id: string; clientId: string; userId?: string }): AuditEvent =>
  event(site, { ...admin, grantId: grant.id }, {
    type: EVENT_TYPE.securityAlert,
    subtype: [SECURITY_SUBTYPE.tokenRevoked],
    outcomeDesc: `grant revoked ${BY_ADMINISTRATOR}`,
    entities: [named(CLIENT_ID_SYSTEM, grant.clientId, 'client'), ...(grant.userId !== undefined ? [named(USER_ID_SYSTEM, grant.userId, 'user')] : [])],
  });

/** A User's sign-in session ended by an administrator: a logout of that User, not of the administrator. */
export const sessionEndedByAdministrator = (site: string, admin: AuditActor, userId: string): AuditEvent =>
  event(site, admin, {
    type: EVENT_TYPE.userAuthentication,
    subtype: [DICOM_SUBTYPE.logout, CONSOLE_SUBTYPE.sessionEnded],
    outcomeDesc: `session ended ${BY_ADMINISTRATOR}`,
    entities: [named(USER_ID_SYSTEM, userId, 'user')],
  });

/** A Bulk Data export job cancelled (deleted with its files) by an administrator, as its client's DELETE does. */
export const exportCancelledByAdministrator = (site: string, admin: AuditActor, job: { id: string; clientId: string }): AuditEvent =>
  event(site, admin, {
    type: EVENT_TYPE.export,
    subtype: [CONSOLE_SUBTYPE.exportCancelled],
    outcomeDesc: `export ${job.id} cancelled ${BY_ADMINISTRATOR}`,
    entities: [{ what: { identifier: { value: job.id } }, ...ENTITY.securityResource, name: 'bulk export job' }, named(CLIENT_ID_SYSTEM, job.clientId, 'client')],
  });
