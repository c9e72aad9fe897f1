import { actorAgents, serverSource, type AuditActor } from '../../fhir/audit/audit-actor.ts';
import {
  AGENT_TYPE,
  CLIENT_ID_SYSTEM,
  DICOM_SUBTYPE,
  ENTITY,
  EVENT_TYPE,
  POLICY_ID_SYSTEM,
  IDENTITY_PROVIDER_ID_SYSTEM,
  porticoSubtype,
  SIGNING_KEY_SYSTEM,
  TENANT_ID_SYSTEM,
  USER_ID_SYSTEM,
} from '../../fhir/audit/audit-codes.ts';
import type { AuditEvent, AuditEventAgent, AuditTrail, Coding } from '../../fhir/audit/audit-trail.ts';
import type { AdminCaller } from '../admin/admin-access.ts';
import type { RegistryResource } from '../registry/registry-repository.ts';
import type { RpcCaller } from '../rpc/rpc-caller.ts';
import { DEFAULT_TENANT } from '../tenants/tenant.ts';

/**
 * Security events of the registry: a Client, User, AccessPolicy, Tenant or signing key created, changed or
 * deleted, as an AuditEvent of type Application Activity (DICOM 110100) with DICOM's subtype for the kind of
 * security configuration changed and Portico's own (`client-created`, `key-rotated`, …). The changed object is
 * named by its id; an update says which fields changed, never a value of a secret or password.
 */

/** One change of the registry. */
export type RegistryChange =
  | { object: 'client'; change: 'created' | 'updated' | 'deleted' | 'secret-rotated' | 'status-changed'; id: string; description?: string }
  | { object: 'user' | 'policy' | 'tenant' | 'identity-provider'; change: 'created' | 'updated' | 'deleted'; id: string; description?: string }
  /**
   * The admin console's actions on a User's account: a one-time set-password link issued (an invitation, or a reset),
   * the password chosen through one, the sign-in failure count cleared.
   */
  | { object: 'user'; change: 'invited' | 'password-reset' | 'password-set' | 'unlocked' | 'second-factor-reset'; id: string; description?: string }
  | { object: 'key'; change: 'rotated' | 'retired'; id: string; description?: string };

export type RegistryObject = RegistryChange['object'];

/** An operator's command run on the server's host (`portico keys`): no client, no User, no network address. */
export interface OperatorCommand {
  command: string;
  /** The operating-system account that ran it, when known. */
  osUser?: string;
}

/** Who made a change: a caller of the admin API, RPC, registration endpoint or portal, or an operator's command. */
export type Changer = AuditActor | OperatorCommand;

/** Where a request came from, as the HTTP layer saw it: plain data handed to the auth domain. */
export interface RequestOrigin {
  /** The client's network address (Fastify's `request.ip`, which honours TRUST_PROXY). */
  address?: string;
}

const OBJECTS: Record<RegistryObject, { system: string; name: string; subtype: Coding }> = {
  client: { system: CLIENT_ID_SYSTEM, name: 'Client', subtype: DICOM_SUBTYPE.securityConfiguration },
  user: { system: USER_ID_SYSTEM, name: 'User', subtype: DICOM_SUBTYPE.userSecurityAttributesChanged },
  policy: { system: POLICY_ID_SYSTEM, name: 'AccessPolicy', subtype: DICOM_SUBTYPE.securityRolesChanged },
  tenant: { system: TENANT_ID_SYSTEM, name: 'Tenant', subtype: DICOM_SUBTYPE.securityConfiguration },
  'identity-provider': { system: IDENTITY_PROVIDER_ID_SYSTEM, name: 'IdentityProvider', subtype: DICOM_SUBTYPE.securityConfiguration },
  key: { system: SIGNING_KEY_SYSTEM, name: 'signing key', subtype: DICOM_SUBTYPE.securityConfiguration },
};

const ACTIONS: Record<RegistryChange['change'], 'C' | 'U' | 'D' | 'E'> = {
  created: 'C',
  updated: 'U',
  deleted: 'D',
  'secret-rotated': 'U',
  'status-changed': 'U',
  // A rotation creates the new key (the entity); the old one keeps verifying until it is retired.
  rotated: 'C',
  // A retired key's row stays (with its retirement time): it is changed, not deleted.
  retired: 'U',
  // Issuing a link and clearing a count are things done (Execute), not changes of the User's own fields.
  invited: 'E',
  'password-reset': 'E',
  'password-set': 'U',
  unlocked: 'E',
  // The User's second factor is removed (a lost phone): they enrol again at their next sign-in to the console.
  'second-factor-reset': 'D',
};

/** The AuditEvent of one change, made by `by`, at the issuer `site` (the tenant's). */
export function registryChangeEvent(change: RegistryChange, by: Changer, site: string): AuditEvent {
  const object = OBJECTS[change.object];
  const code = `${change.object}-${change.change}`;
  return {
    resourceType: 'AuditEvent',
    type: EVENT_TYPE.applicationActivity,
    subtype: [object.subtype, porticoSubtype(code, `${object.name} ${change.change.replace('-', ' ')}`)],
    action: ACTIONS[change.change],
    outcome: '0',
    agent: changerAgents(by),
    source: serverSource(site),
    entity: [
      {
        what: { identifier: { system: object.system, value: change.id } },
        ...ENTITY.securityResource,
        name: object.name,
        ...(change.description ? { description: change.description } : {}),
      },
    ],
  };
}

function changerAgents(by: Changer): AuditEventAgent[] {
  if ('command' in by) {
    return [{ type: { coding: [AGENT_TYPE.user] }, who: { display: `operator (${by.command})` }, ...(by.osUser ? { name: by.osUser } : {}), requestor: true }];
  }
  // A User acting without a client app (a developer at the portal, a tenant administrator) carries the address.
  return actorAgents(by);
}

/** Records the registry's changes on the authorization server's audit trail. */
export interface RegistryAudit {
  /**
   * Records each change at `tenant` (its id; `default` for the root's and every global object). Resolves once every
   * event is committed, rejects otherwise: callers await it before answering, so that no change is acknowledged
   * without its event.
   */
  record(tenant: string, by: Changer, changes: readonly RegistryChange[]): Promise<void>;
}

/** `siteOf`: the issuer of a tenant, each event's `source.site`. */
export function createRegistryAudit(trail: AuditTrail, siteOf: (tenant: string) => string): RegistryAudit {
  return {
    async record(tenant, by, changes) {
      const site = siteOf(tenant);
      await Promise.all(changes.map((change) => trail.record(tenant, registryChangeEvent(change, by, site))));
    },
  };
}

/** The tenant a registry object belongs to: its `meta._tenant`, or the default tenant for a global one. */
export function tenantOf(resource: RegistryResource | undefined): string {
  return resource?.meta?._tenant ?? DEFAULT_TENANT;
}

/** An admin API caller (and the address its request came from) as the actor of a change. */
export function adminActor(caller: AdminCaller): AuditActor {
  const address = caller.address !== undefined ? { address: caller.address } : {};
  switch (caller.kind) {
    case 'root':
      return { root: true, ...address };
    case 'client':
      return { clientId: caller.client.id, ...address };
    case 'user':
      return { userId: caller.user.id, ...(caller.user.fhirUser ? { fhirUser: caller.user.fhirUser } : {}), ...address };
  }
}

/** An RPC caller as the actor of a change. */
export function rpcActor(caller: RpcCaller): AuditActor {
  const address = caller.address !== undefined ? { address: caller.address } : {};
  switch (caller.kind) {
    case 'root':
      return { root: true, ...address };
    case 'client':
      return { clientId: caller.clientId, ...address };
    case 'user':
      return { userId: caller.userId, ...address };
  }
}

/** Stored fields a description names by what they hold: a User's password hash is a change of its password. */
const FIELD_NAMES: Record<string, string> = { password_hash: 'password' };
/** What every write changes, or what is no field of the object's own. */
const BOOKKEEPING = new Set(['resourceType', 'id', 'meta']);

/**
 * The names of the fields `next` changed from `previous` (top level; `meta._tenant` when the object moved), in a
 * stable order. Values are compared, never shown; a password hash is named `password`.
 */
export function changedFields(previous: RegistryResource, next: RegistryResource): string[] {
  const keys = new Set([...Object.keys(previous), ...Object.keys(next)].filter((key) => !BOOKKEEPING.has(key)));
  const changed = [...keys].filter((key) => !sameValue(previous[key], next[key])).map((key) => FIELD_NAMES[key] ?? key);
  if ((previous.meta?._tenant ?? undefined) !== (next.meta?._tenant ?? undefined)) changed.push('meta._tenant');
  return changed.sort();
}

/** "Changed: a, b", or that the write changed nothing. */
export function describeFields(fields: readonly string[]): string {
  return fields.length ? `Changed: ${fields.join(', ')}` : 'Saved unchanged';
}

/**
 * The events of a Client's change from `previous` to `next` (undefined: created, or deleted). A review decision or
 * submission is `client-status-changed` (the statuses are not secret: shown), a new secret `client-secret-rotated`,
 * anything else `client-updated` naming the fields; one write may be several of them.
 */
export function clientChanges(id: string, previous: RegistryResource | undefined, next: RegistryResource | undefined): RegistryChange[] {
  if (!previous) return [{ object: 'client', change: 'created', id }];
  if (!next) return [{ object: 'client', change: 'deleted', id }];
  const fields = changedFields(previous, next);
  const changes: RegistryChange[] = [];
  const others = fields.filter((field) => field !== 'status' && field !== 'secret');
  if (others.length || fields.length === 0) changes.push({ object: 'client', change: 'updated', id, description: describeFields(others) });
  if (fields.includes('secret')) changes.push({ object: 'client', change: 'secret-rotated', id });
  if (fields.includes('status')) {
    // No status reads as approved (client-repository.ts).
    const status = (resource: RegistryResource) => (typeof resource.status === 'string' ? resource.status : 'approved');
    changes.push({ object: 'client', change: 'status-changed', id, description: `Status: ${status(previous)} → ${status(next)}` });
  }
  return changes;
}

/** The event of a User's, AccessPolicy's, Tenant's or IdentityProvider's change (undefined: created, or deleted). */
export function objectChange(object: 'user' | 'policy' | 'tenant' | 'identity-provider', id: string, previous: RegistryResource | undefined, next: RegistryResource | undefined): RegistryChange {
  if (!previous) return { object, change: 'created', id };
  if (!next) return { object, change: 'deleted', id };
  return { object, change: 'updated', id, description: describeFields(changedFields(previous, next)) };
}

/** Deep equality of JSON values, whatever the order of object keys (jsonb does not keep it). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => sameValue(item, b[i]));
  const left = a as Record<string, unknown>;
  const right = b as Record<string, unknown>;
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  return [...keys].every((key) => sameValue(left[key], right[key]));
}
