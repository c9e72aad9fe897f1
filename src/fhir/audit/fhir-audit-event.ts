import { FILE_PATH, STATUS_PATH } from '../bulk/export-service.ts';
import type { FhirRequest, FhirRoute } from '../interaction.ts';
import type { InteractionName } from '../resolve-route.ts';
import { actorAgents, actorEntities, serverSource, type AuditActor } from './audit-actor.ts';
import { ENTITY, EVENT_TYPE, porticoSubtype, restfulSubtype } from './audit-codes.ts';
import type { AuditEvent, AuditEventEntity, Coding } from './audit-trail.ts';

/**
 * What the FHIR API did for one request (or one entry of a batch or transaction): what was asked, how it was
 * answered, and the patients whose data the answer touched.
 */
export interface FhirRequestFacts {
  method: FhirRequest['method'];
  /** Path below the FHIR base. */
  path: string;
  /** The query as sent (still encoded), with a `_search` form's parameters after it. */
  query?: string;
  /** The interaction the path names; absent when the path names none (404, 405, malformed). */
  interaction?: InteractionName;
  route: FhirRoute;
  /** A batch or transaction Bundle: which of the two. */
  bundleType?: 'batch' | 'transaction';
  status: number;
  /** Why it was refused or failed (the OperationOutcome's diagnostics): administrators only read it. */
  reason?: string;
  /** The resource an instance-level answer was about, when the route does not name it (a create's new id). */
  resource?: { type: string; id: string; versionId?: string };
  /** Ids of the patients whose data the request returned, wrote or was refused. */
  patients: readonly string[];
}

/** C create, R read, U update, D delete, E execute (FHIR R4 audit-event-action), by interaction. */
const ACTION: Record<InteractionName, NonNullable<AuditEvent['action']>> = {
  read: 'R',
  vread: 'R',
  'search-type': 'R',
  'search-system': 'R',
  'history-instance': 'R',
  'history-type': 'R',
  'history-system': 'R',
  capabilities: 'R',
  create: 'C',
  update: 'U',
  'conditional-update': 'U',
  delete: 'D',
  'conditional-delete': 'D',
  patch: 'U',
  'conditional-patch': 'U',
  batch: 'E',
  operation: 'E',
};

/** The R4 restful-interaction code (conditional interactions are their plain kind; a Bundle its own type). */
function restfulCode(facts: FhirRequestFacts): string {
  const interaction = facts.interaction;
  if (interaction === 'conditional-update') return 'update';
  if (interaction === 'conditional-delete') return 'delete';
  if (interaction === 'conditional-patch') return 'patch';
  if (interaction === 'batch') return facts.bundleType ?? 'batch';
  return interaction ?? 'unknown';
}

/** 0 success; 4 refused or bad request (minor failure); 8 the server failed (serious failure). */
function outcomeOf(status: number): NonNullable<AuditEvent['outcome']> {
  if (status < 400) return '0';
  return status < 500 ? '4' : '8';
}

/**
 * The IHE BALP RESTful event of one FHIR request: `rest` with the interaction as subtype, the resource (or the query
 * of a search, base64 as BALP records it), the patients whose data it touched (BALP's patient-specific variants), the
 * user and client, and the grant by id. A Bulk Data status or file request is an `Export` event.
 */
export function fhirAuditEvent(facts: FhirRequestFacts, actor: AuditActor, site: string): AuditEvent {
  const bulk = bulkRequestOf(facts.path);
  const entities: AuditEventEntity[] = [];
  const target = facts.resource ?? instanceOf(facts.route);
  if (bulk) {
    entities.push({ what: { identifier: { value: bulk.job } }, ...ENTITY.resource, name: 'bulk export job', ...(bulk.file ? { description: `file ${bulk.file}` } : {}) });
  } else if (target) {
    entities.push({ what: { reference: `${target.type}/${target.id}${target.versionId ? `/_history/${target.versionId}` : ''}` }, ...ENTITY.resource });
  } else if (facts.route.resourceType || facts.route.operation || facts.query) {
    // A type- or system-level request: a search, a history, an operation. Its query is what BALP keeps of it.
    entities.push({
      ...(facts.route.resourceType ? { what: { type: facts.route.resourceType } } : {}),
      ...ENTITY.query,
      description: `${facts.method} ${facts.path}${facts.query ? `?${facts.query}` : ''}`,
      ...(facts.query ? { query: Buffer.from(facts.query, 'utf8').toString('base64') } : {}),
    });
  }
  for (const patient of facts.patients) entities.push({ what: { reference: `Patient/${patient}` }, ...ENTITY.patient });
  entities.push(...actorEntities(actor));

  const subtype: Coding[] = bulk ? [porticoSubtype(bulk.file ? 'export-file' : 'export-status', bulk.file ? 'Bulk Data file download' : 'Bulk Data status')] : [restfulSubtype(restfulCode(facts))];
  if (facts.route.operation) subtype.push(porticoSubtype(facts.route.operation, facts.route.operation));
  return {
    resourceType: 'AuditEvent',
    type: bulk || facts.route.operation === '$export' ? EVENT_TYPE.export : EVENT_TYPE.rest,
    subtype,
    action: bulk ? (facts.method === 'DELETE' ? 'D' : 'R') : facts.interaction ? ACTION[facts.interaction] : actionOfMethod(facts.method),
    outcome: outcomeOf(facts.status),
    ...(facts.status >= 400 && facts.reason ? { outcomeDesc: `${facts.status}: ${facts.reason}` } : facts.status >= 400 ? { outcomeDesc: String(facts.status) } : {}),
    agent: actorAgents(actor),
    source: serverSource(site),
    entity: entities,
  };
}

function instanceOf(route: FhirRoute): FhirRequestFacts['resource'] {
  return route.resourceType && route.id ? { type: route.resourceType, id: route.id, ...(route.versionId ? { versionId: route.versionId } : {}) } : undefined;
}

function actionOfMethod(method: FhirRequest['method']): NonNullable<AuditEvent['action']> {
  return method === 'GET' || method === 'HEAD' ? 'R' : method === 'DELETE' ? 'D' : method === 'PUT' || method === 'PATCH' ? 'U' : 'E';
}

/** `$export-status/{job}` and `$export-file/{job}/{n}`: the Bulk Data requests outside the router. */
function bulkRequestOf(path: string): { job: string; file?: string } | undefined {
  const [head, job, file] = path.split('/');
  if (job === undefined || (head !== STATUS_PATH && head !== FILE_PATH)) return undefined;
  return head === FILE_PATH && file !== undefined ? { job, file } : { job };
}
