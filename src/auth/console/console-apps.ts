import { CLIENT_ID_SYSTEM, PORTICO_AUDIT_SUBTYPE, USER_ID_SYSTEM } from '../../fhir/audit/audit-codes.ts';
import type { AuditLog } from '../../fhir/audit/audit-log.ts';
import { tokenValueKey } from '../../fhir/audit/audit-search-keys.ts';
import type { RecordedAuditEvent } from '../../fhir/audit/audit-trail.ts';
import type { AdminCaller } from '../admin/admin-access.ts';
import { AdminError, adminIssue } from '../admin/admin-error.ts';
import type { RegistryAdmin } from '../admin/registry-admin.ts';
import { adminActor, tenantOf } from '../audit/registry-events.ts';
import type { SecurityAudit } from '../audit/security-audit.ts';
import { grantRevokedByAdministrator } from '../audit/security-events.ts';
import type { Client, StoredClient } from '../clients/client-repository.ts';
import type { ClientCriteria, ClientSearch } from '../clients/client-search.ts';
import { MAX_REVIEW_NOTE } from '../clients/validate-client.ts';
import type { GrantPage, GrantStore } from '../grants/grant-store.ts';
import type { ListPage } from '../registry/registry-repository.ts';

export interface ConsoleAppsDeps {
  /** The admin API's own service (this console's: scoped to its tenant at a tenant's console). */
  registry: RegistryAdmin;
  search: ClientSearch;
  /** The tenant this console administers; undefined: every tenant. */
  tenant: string | undefined;
  /** Revocations through the grant-status cache, so that they take effect at once in this process. */
  grants: Pick<GrantStore, 'get' | 'revoke' | 'listActive'>;
  /** Where a tenant's security events are recorded (the authorization server's trail). */
  securityAudit: (tenant: string) => SecurityAudit;
  /** A tenant's audit trail read back. */
  auditLog: (tenant: string) => AuditLog;
  now: () => Date;
}

export type ReviewDecision = 'approve' | 'reject';

/** A review refused before anything is written: which field, and why (the page shows it beside the field). */
export class ReviewProblem extends Error {
  constructor(readonly field: 'note', message: string) {
    super(message);
    this.name = 'ReviewProblem';
  }
}

/**
 * The console's Apps section: finding Clients, reviewing developers' apps, suspending, editing, rotating secrets,
 * their grants and activity. Every change goes through the admin API's RegistryAdmin (its validation, its scope,
 * its audit) with the administrator as the caller; a grant's revocation is recorded on the security trail. A Client
 * outside this console's tenant is unknown (undefined, or the registry's 404).
 */
export interface ConsoleApps {
  search(criteria: ClientCriteria, page: { count: number; offset: number }): Promise<ListPage<Client>>;
  /** How many apps wait for review (`submitted`). */
  awaitingReview(): Promise<number>;
  get(id: string): Promise<StoredClient | undefined>;
  /**
   * Approve or reject with a note the developer reads in the portal (a rejection needs one). `version`: the version
   * the administrator reviewed; a Client changed since (its developer edited it) is not decided unseen (409).
   */
  review(id: string, decision: ReviewDecision, note: string, version: string, caller: AdminCaller): Promise<StoredClient>;
  /** Suspend (`active: false`: its grants end at once) or reactivate. */
  setActive(id: string, active: boolean, caller: AdminCaller): Promise<StoredClient>;
  /**
   * Replace the Client with `body` as the admin API's PUT does (its secret kept when the body has none), unless it
   * changed since `version`, the one the administrator edited (409).
   */
  replace(id: string, body: unknown, version: string, caller: AdminCaller): Promise<StoredClient>;
  /** A new secret, effective at once: the only time it is shown. */
  rotateSecret(id: string, caller: AdminCaller): Promise<{ client: StoredClient; secret: string }>;
  /** Its grants that still give access, newest first. */
  grants(id: string, page: { count: number; offset: number }): Promise<GrantPage>;
  /** `not-found`: no such grant of this Client (or not this console's Client). */
  revokeGrant(id: string, grantId: string, caller: AdminCaller): Promise<'revoked' | 'not-found'>;
  /** The latest events naming the Client (as agent or entity), newest first. */
  activity(id: string, count: number): Promise<RecordedAuditEvent[]>;
}

export function createConsoleApps(deps: ConsoleAppsDeps): ConsoleApps {
  const { registry } = deps;
  const read = async (id: string): Promise<StoredClient | undefined> => {
    try {
      return (await registry.read('Client', id)) as StoredClient;
    } catch (err) {
      if (err instanceof AdminError && err.status === 404) return undefined;
      throw err;
    }
  };
  const found = async (id: string): Promise<StoredClient> => {
    const client = await read(id);
    if (!client) throw new AdminError(404, adminIssue('not-found', `Client/${id} is not known`));
    return client;
  };
  const put = async (id: string, body: unknown, caller: AdminCaller): Promise<StoredClient> => (await registry.put('Client', id, body, caller)).resource as StoredClient;
  // A tenant's console sees its own Clients only, whatever the filter says.
  const scoped = (criteria: ClientCriteria): ClientCriteria => (deps.tenant === undefined ? criteria : { ...criteria, tenant: deps.tenant });

  return {
    search: (criteria, page) => deps.search.search({ criteria: scoped(criteria), ...page }),

    async awaitingReview() {
      return (await deps.search.search({ criteria: scoped({ standing: 'submitted' }), count: 0, offset: 0 })).total;
    },

    get: read,

    async review(id, decision, note, version, caller) {
      const text = note.trim();
      if (decision === 'reject' && text === '') throw new ReviewProblem('note', 'Say why it is rejected: the developer reads this note in the portal');
      if (text.length > MAX_REVIEW_NOTE) throw new ReviewProblem('note', `At most ${MAX_REVIEW_NOTE} characters`);
      const client = unchangedSince(await found(id), version);
      const review = { ...(text ? { note: text } : {}), at: deps.now().toISOString() };
      return put(id, { ...client, status: decision === 'approve' ? 'approved' : 'rejected', review }, caller);
    },

    async setActive(id, active, caller) {
      const client = await found(id);
      return put(id, { ...client, active }, caller);
    },

    async replace(id, body, version, caller) {
      unchangedSince(await found(id), version);
      return put(id, body, caller);
    },

    async rotateSecret(id, caller) {
      const rotated = await registry.rotateSecret(id, caller);
      const { secret, ...client } = rotated as StoredClient;
      if (typeof secret !== 'string') throw new Error(`Client/${id}: the rotation returned no secret`);
      return { client: client as StoredClient, secret };
    },

    async grants(id, page) {
      if (!(await read(id))) return { grants: [], total: 0 };
      return deps.grants.listActive({ clientId: id, ...(deps.tenant !== undefined ? { tenant: deps.tenant } : {}) }, deps.now(), page);
    },

    async revokeGrant(id, grantId, caller) {
      const client = await read(id);
      const stored = client && (await deps.grants.get(grantId));
      if (!client || !stored || stored.grant.clientId !== id) return 'not-found';
      if (!stored.revoked) await deps.grants.revoke(grantId, deps.now());
      const tenant = deps.tenant ?? tenantOf(client);
      const audit = deps.securityAudit(tenant);
      await audit.record(grantRevokedByAdministrator(audit.site, { ...adminActor(caller), grantId }, id));
      return 'revoked';
    },

    async activity(id, count) {
      const client = await read(id);
      if (!client) return [];
      const key = tokenValueKey({ system: CLIENT_ID_SYSTEM, code: id }) ?? id;
      const page = await deps.auditLog(deps.tenant ?? tenantOf(client)).search({
        filters: [
          {
            kind: 'any',
            groups: [[{ kind: 'keys', column: 'entityIdentifiers', keys: [key], not: false }], [{ kind: 'keys', column: 'agentIdentifiers', keys: [key], not: false }]],
          },
        ],
        count,
        ascending: false,
        total: false,
      });
      return page.events;
    },
  };
}

/**
 * The Client, when it is still the version the administrator saw. The registry's PUT replaces whatever is stored
 * then, so a change landing between this check and the write is not caught; one made while the page was open is.
 */
function unchangedSince(client: StoredClient, version: string): StoredClient {
  if (client.meta.versionId !== version) {
    throw new AdminError(409, adminIssue('conflict', `Client/${client.id} changed since this page was loaded (version ${version}, now ${client.meta.versionId}): look at it again`));
  }
  return client;
}

/** One event as the app's page lists it: when, what happened, how it ended, who acted. */
export interface ActivityLine {
  recorded: Date;
  what: string;
  outcome: string;
  who: string;
}

const OUTCOMES: Record<string, string> = { '0': 'success', '4': 'refused', '8': 'serious failure', '12': 'major failure' };

/** An event said plainly: Portico's subtype (else the last subtype, else the type), the requestor. */
export function activityLine(event: RecordedAuditEvent): ActivityLine {
  const subtypes = event.subtype ?? [];
  const named = subtypes.find((c) => c.system === PORTICO_AUDIT_SUBTYPE) ?? subtypes.at(-1) ?? event.type;
  const requestor = event.agent.find((a) => a.requestor) ?? event.agent[0];
  const who = requestor?.who;
  const whoText = who?.display ?? who?.reference ?? (who?.identifier?.value !== undefined ? `${who.identifier.system === USER_ID_SYSTEM ? 'User' : 'client'} ${who.identifier.value}` : 'unknown');
  const description = event.entity?.find((e) => e.description)?.description;
  return {
    recorded: new Date(event.recorded),
    what: `${named.display ?? named.code ?? 'event'}${description ? ` (${description})` : ''}`,
    outcome: OUTCOMES[event.outcome ?? '0'] ?? event.outcome ?? '',
    who: whoText,
  };
}
