import { AGENT_TYPE, CLIENT_ID_SYSTEM, ENTITY, GRANT_ID_SYSTEM, SECURITY_SOURCE_TYPE, USER_ID_SYSTEM } from './audit-codes.ts';
import type { AuditEvent, AuditEventAgent, AuditEventEntity, CodeableConcept } from './audit-trail.ts';

/**
 * Who acted, as every producer of events knows it: the user (our User id and their FHIR resource), the client app,
 * the grant it acts under (by id, never a token), where the request came from. The root client is `root`.
 */
export interface AuditActor {
  userId?: string;
  /** Relative: `Practitioner/123`, `Patient/abc`. */
  fhirUser?: string;
  clientId?: string;
  /** The root (administrator) client: its Basic credentials, no token. */
  root?: boolean;
  grantId?: string;
  /** The client's network address, as the server saw it. */
  address?: string;
  /** Why the data was used, when the request said. */
  purposeOfUse?: CodeableConcept[];
  /** The X-Request-Id the client sent. */
  requestId?: string;
}

/** The agents of an event: the user (when there is one) is the requestor, else the client app. */
export function actorAgents(actor: AuditActor): AuditEventAgent[] {
  // DICOM network access point type 2: an IP address.
  const network = actor.address ? { network: { address: actor.address, type: '2' as const } } : {};
  const purpose = actor.purposeOfUse?.length ? { purposeOfUse: actor.purposeOfUse } : {};
  const agents: AuditEventAgent[] = [];
  if (actor.userId !== undefined || actor.fhirUser !== undefined) {
    agents.push({
      type: { coding: [AGENT_TYPE.user] },
      who: {
        ...(actor.fhirUser ? { reference: actor.fhirUser } : {}),
        ...(actor.userId !== undefined ? { identifier: { system: USER_ID_SYSTEM, value: actor.userId } } : {}),
      },
      requestor: true,
      ...purpose,
    });
  }
  const clientId = actor.root ? 'root' : actor.clientId;
  if (clientId !== undefined) {
    agents.push({
      type: { coding: [AGENT_TYPE.client] },
      who: { identifier: { system: CLIENT_ID_SYSTEM, value: clientId }, ...(actor.root ? { display: 'root client' } : {}) },
      requestor: agents.length === 0,
      ...network,
      ...(agents.length === 0 ? purpose : {}),
    });
  }
  if (agents.length === 0) {
    // Nobody identified themselves (no or bad credentials): the address is all there is.
    agents.push({ type: { coding: [AGENT_TYPE.client] }, who: { display: 'unauthenticated' }, requestor: true, ...network });
  } else if (clientId === undefined && agents[0]) {
    // A user with no app (a sign-in at the pages): the address is theirs.
    Object.assign(agents[0], network);
  }
  return agents;
}

/** The entities naming the grant and the X-Request-Id, when there are. */
export function actorEntities(actor: AuditActor): AuditEventEntity[] {
  const entities: AuditEventEntity[] = [];
  if (actor.grantId) entities.push({ what: { identifier: { system: GRANT_ID_SYSTEM, value: actor.grantId } }, ...ENTITY.securityResource, name: 'grant' });
  if (actor.requestId) entities.push({ what: { identifier: { value: actor.requestId } }, type: ENTITY.requestId.type });
  return entities;
}

/** AuditEvent.source: this server, at its issuer (the tenant's). */
export function serverSource(site: string): AuditEvent['source'] {
  return { site, observer: { display: 'Portico' }, type: [{ system: SECURITY_SOURCE_TYPE, code: '4', display: 'Application Server' }] };
}
