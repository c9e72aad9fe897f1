import { adminActor, clientChanges, objectChange, tenantOf, type RegistryAudit, type RegistryChange } from '../audit/registry-events.ts';
import type { AddressClass } from '../client-auth/jwks/address-class.ts';
import { isPublicClient, needsSecret } from '../clients/client-kind.ts';
import type { Client, ClientRepository, StoredClient } from '../clients/client-repository.ts';
import type { ClientSecrets } from '../clients/client-secret.ts';
import { clientSchema, validateClient } from '../clients/validate-client.ts';
import type { AccessPolicyRepository } from '../policies/access-policy.ts';
import { policySchema, validateAccessPolicy } from '../policies/validate-access-policy.ts';
import { RegistryConflictError, type ListPage, type PutResult, type RegistryRepository, type RegistryResource, type Stored } from '../registry/registry-repository.ts';
import { DEFAULT_TENANT, TENANT_ID, type TenantHoldings, type TenantRepository } from '../tenants/tenant.ts';
import { tenantSchema, validateTenant } from '../tenants/validate-tenant.ts';
import { publicUser, type StoredUser, type UserRepository } from '../users/user.ts';
import { userSchema, validateUser } from '../users/validate-user.ts';
import type { IdentityProviderRepository, StoredIdentityProvider } from '../federation/identity-provider.ts';
import { identityProviderSchema, validateIdentityProvider } from '../federation/validate-identity-provider.ts';
import { providersAt, providerTenant } from '../federation/tenant-providers.ts';
import type { AdminCaller } from './admin-access.ts';
import { AdminError, adminIssue, badRequest, notFound } from './admin-error.ts';

export const ADMIN_KINDS = ['Client', 'User', 'AccessPolicy', 'Tenant', 'IdentityProvider'] as const;
export type AdminKind = (typeof ADMIN_KINDS)[number];

/** The schema each kind's body is parsed with (by its validator, below), as the OpenAPI document publishes it. */
export const ADMIN_SCHEMAS = { Client: clientSchema, User: userSchema, AccessPolicy: policySchema, Tenant: tenantSchema, IdentityProvider: identityProviderSchema } as const satisfies Record<AdminKind, unknown>;

/** Ids the admin API accepts in URLs: FHIR's id characters plus `_` and `~`, as client_ids often have. */
const ADMIN_ID = /^[A-Za-z0-9._~-]{1,128}$/;

export interface RegistryAdminDeps {
  clients: ClientRepository;
  users: UserRepository;
  policies: AccessPolicyRepository;
  tenants: TenantRepository;
  identityProviders: IdentityProviderRepository;
  /** An IdentityProvider's client_secret at rest: sealed for its id under SECRETS_KEY, as Clients' secrets are. */
  sealProviderSecret: (providerId: string, secret: string) => string;
  /** Sandbox mode: identity providers may be `http://127.0.0.1` upstreams (local test servers). */
  allowLoopbackHttpIssuers: boolean;
  /** The redirect URI an IdentityProvider's upstream registers (read-only on the resource). */
  providerRedirectUri: (provider: StoredIdentityProvider) => string;
  /** What a tenant still holds: a tenant is deleted only when nothing. */
  tenantHoldings: TenantHoldings;
  newSecret: () => string;
  /** Special-use address classes a Client's jwks_uri may name besides public ones: the JWKS fetcher's. */
  jwksUriAddresses: ReadonlySet<AddressClass>;
  /** Ids of created resources, chosen before the write: a Client's secret is encrypted for its id. */
  newId: () => string;
  /** Client secrets are stored encrypted and shown decrypted only to the root client's read by id. */
  secrets: ClientSecrets;
  /** Injectable for tests; defaults to scrypt. */
  hashPassword?: (password: string) => Promise<string>;
  /** Every change is recorded here before it is answered. */
  audit: RegistryAudit;
}

export interface PutOutcome {
  resource: RegistryResource;
  created: boolean;
}

export interface ReadOptions {
  /** The root client's read of one Client: its secret is shown, decrypted (seed 000's "How to get Client secret"). */
  revealSecret?: boolean;
}

/**
 * The admin API's operations, independent of HTTP: validate, store, and present. A User never shows
 * its password hash; a Client shows its secret only to the root client reading that one Client, and
 * once to whoever rotates it; every other answer (lists, writes, any other reader) leaves it out.
 */
export interface RegistryAdmin {
  read(kind: AdminKind, id: string, options?: ReadOptions): Promise<RegistryResource>;
  /**
   * `caller`: who writes, and from where (the actor of the change's AuditEvent); only an administrator approves or
   * rejects a Client. Every write resolves once its AuditEvent is committed too.
   */
  put(kind: AdminKind, id: string, body: unknown, caller: AdminCaller): Promise<PutOutcome>;
  create(kind: AdminKind, body: unknown, caller: AdminCaller): Promise<RegistryResource>;
  /** Returns what was deleted. */
  delete(kind: AdminKind, id: string, caller: AdminCaller): Promise<RegistryResource>;
  list(kind: AdminKind, page: { count: number; offset: number }): Promise<ListPage<RegistryResource>>;
  /**
   * Replaces a Client's secret with a freshly generated one, effective at once, and returns the Client
   * with the new secret: the only time it is shown besides the root client's read. For the root client,
   * and for the developer who owns the Client (`owner`).
   */
  rotateSecret(id: string, caller: AdminCaller): Promise<RegistryResource>;
}

/** A tenant's own admin API: only what is bound to `tenant` is seen or changed, and everything written is bound to it. */
export interface RegistryAdminScope {
  tenant: string;
}

export function createRegistryAdmin(deps: RegistryAdminDeps, scope?: RegistryAdminScope): RegistryAdmin {
  /** Whether the resource is this admin's to see: every one for the deployment's, the tenant's own for a tenant's. */
  const visible = (resource: RegistryResource | undefined): boolean => resource !== undefined && (scope === undefined || resource.meta?._tenant === scope.tenant);
  /** The body bound to the tenant (a tenant's admin cannot bind anything elsewhere, nor make it global). */
  const bound = (kind: AdminKind, body: unknown): unknown => {
    if (!scope) return body;
    if (kind === 'Tenant') throw notFound('Tenants are managed by the root client');
    if (!body || typeof body !== 'object' || Array.isArray(body)) return body;
    const meta = (body as RegistryResource).meta;
    if (meta?._tenant !== undefined && meta._tenant !== scope.tenant) {
      throw new AdminError(422, adminIssue('business-rule', `${kind}.meta._tenant: this tenant's admin API writes for tenant "${scope.tenant}" only`, `${kind}.meta._tenant`));
    }
    return { ...body, meta: { ...(meta ?? {}), _tenant: scope.tenant } };
  };
  // One code path for the three kinds; each kind's own validator guarantees the shape stored.
  const repo = (kind: AdminKind) =>
    ({ Client: deps.clients, User: deps.users, AccessPolicy: deps.policies, Tenant: deps.tenants, IdentityProvider: deps.identityProviders })[kind] as unknown as RegistryRepository<RegistryResource>;
  const present = (kind: AdminKind, resource: Stored<RegistryResource>): Stored<RegistryResource> => {
    if (kind === 'User') return publicUser(resource);
    if (kind === 'Client') {
      const { secret: _secret, ...client } = resource;
      return client as Stored<RegistryResource>;
    }
    if (kind === 'IdentityProvider') {
      // The secret is never shown, to anyone; the redirect URI is the server's, shown for the upstream's registration.
      const { client_secret: _secret, ...provider } = resource;
      return { ...provider, redirect_uri: deps.providerRedirectUri(resource as StoredIdentityProvider) } as Stored<RegistryResource>;
    }
    return resource;
  };
  /** A Client with its secret decrypted; without it when it does not decrypt (reported, and never a failed read). */
  const withSecret = (client: StoredClient): Stored<RegistryResource> => {
    const secret = deps.secrets.reveal(client);
    return secret === undefined ? present('Client', client) : { ...client, secret };
  };

  /**
   * A Client's review is decided by the root client (or, on a tenant's admin API, its administrators): anyone
   * else admitted by an AccessPolicy (a developer owning the Client, say) may leave its status as it was or set
   * `draft`/`submitted`, never approve, reject, or drop it (no status reads as approved).
   */
  function checkReview(resource: RegistryResource, previous: Stored<RegistryResource> | undefined, caller: AdminCaller): void {
    if (caller.kind === 'root' || scope !== undefined || isAdministrator(caller)) return;
    const next = (resource as Client).status;
    const before = (previous as Client | undefined)?.status;
    if (next === before || next === 'draft' || next === 'submitted') return;
    throw new AdminError(403, adminIssue('forbidden', `Client.status: only the root client approves or rejects a Client (it was ${before ?? 'approved'}, the body makes it ${next ?? 'approved'})`, 'Client.status'));
  }

  async function prepare(kind: AdminKind, body: unknown, id: string, previous: Stored<RegistryResource> | undefined, caller: AdminCaller): Promise<RegistryResource> {
    const resource = await validate(kind, body, id, previous);
    if (kind === 'Client') checkReview(resource, previous, caller);
    if (kind === 'User') await checkIdentitiesUnique(resource as StoredUser, id);
    if (kind === 'Tenant') await checkPasswordLogin(resource, id);
    // A resource bound to a tenant names one that exists (RFC 9110 §15.5.21: the request is understood, its content cannot be acted on).
    const tenant = resource.meta?._tenant;
    if (tenant !== undefined && !(TENANT_ID.test(tenant) && (await deps.tenants.get(tenant)))) {
      throw new AdminError(422, adminIssue('business-rule', `${kind}.meta._tenant: there is no tenant "${tenant}" (create it first with PUT /Tenant/${tenant})`, `${kind}.meta._tenant`));
    }
    return resource;
  }

  async function validate(kind: AdminKind, body: unknown, id: string, previous: Stored<RegistryResource> | undefined): Promise<RegistryResource> {
    switch (kind) {
      case 'Tenant':
        return validateTenant(body, { id });
      case 'Client':
        return validateClient(body, { id, previous: previous as StoredClient | undefined, newSecret: deps.newSecret, jwksUriAddresses: deps.jwksUriAddresses, secrets: deps.secrets });
      case 'User':
        return validateUser(body, { id, previous: previous as never, hash: deps.hashPassword });
      case 'AccessPolicy':
        return validateAccessPolicy(body, { id });
      case 'IdentityProvider':
        return validateIdentityProvider(body, { id, previous: previous as StoredIdentityProvider | undefined, seal: deps.sealProviderSecret, allowLoopbackHttp: deps.allowLoopbackHttpIssuers });
    }
  }

  /** An upstream account signs in as one User: linking it to a second User of the same tenant is a conflict. */
  async function checkIdentitiesUnique(user: StoredUser, id: string): Promise<void> {
    for (const identity of user.identities ?? []) {
      const others = (await deps.users.findByIdentity(identity, tenantOf(user))).filter((other) => other.id !== id);
      if (others.length > 0) {
        throw new AdminError(409, adminIssue('duplicate', `User.identities: ${identity.issuer} subject ${identity.subject} is already linked to User/${others[0]?.id}`, 'User.identities'));
      }
    }
  }

  /** A tenant turns off password sign-in only while its people have another way in: an active identity provider. */
  async function checkPasswordLogin(tenant: RegistryResource, id: string): Promise<void> {
    if (tenant.password_login !== false) return;
    if ((await providersAt(deps.identityProviders, id)).some((provider) => provider.active)) return;
    throw new AdminError(422, adminIssue('business-rule', `Tenant.password_login: false needs an active IdentityProvider of tenant "${id}" first (PUT /IdentityProvider/{id} with meta._tenant "${id}"), or nobody could sign in`, 'Tenant.password_login'));
  }

  /**
   * Records a committed write (`previous` undefined: created; `next` undefined: deleted) at the tenant it belongs to:
   * this tenant's admin API's, or, at the root, the object's own (both when the root moved it between tenants;
   * Tenants themselves at the default one). Awaited before the answer. The registry's write and the trail's cannot be
   * one transaction (the trail appends to its own chain through a group commit), so an event that fails to commit
   * after its change did fails the request instead (500, or 503 for a busy database, as an OperationOutcome): the
   * change is never acknowledged without its event.
   */
  async function recordChange(kind: AdminKind, id: string, previous: RegistryResource | undefined, next: RegistryResource | undefined, caller: AdminCaller): Promise<void> {
    const changes: RegistryChange[] = kind === 'Client' ? clientChanges(id, previous, next) : [objectChange(OBJECT_OF[kind], id, previous, next)];
    const tenants = kind === 'Tenant' ? [DEFAULT_TENANT] : scope ? [scope.tenant] : [...new Set([tenantOf(previous ?? next), tenantOf(next ?? previous)])];
    await Promise.all(tenants.map((tenant) => deps.audit.record(tenant, adminActor(caller), changes)));
  }

  /**
   * A provider leaving a tenant that signs in without passwords (deactivated, deleted, moved) must not be its last
   * active one: nobody could sign in there. Password sign-in is turned back on first (Tenant.password_login).
   */
  async function keepSignInPossible(previous: Stored<RegistryResource> | undefined, next: RegistryResource | undefined): Promise<void> {
    if (!previous || previous.active !== true) return;
    const tenantId = providerTenant(previous as StoredIdentityProvider);
    if (next && next.active === true && providerTenant(next as StoredIdentityProvider) === tenantId) return;
    const tenant = await deps.tenants.get(tenantId);
    if (tenant?.password_login !== false) return;
    const others = (await providersAt(deps.identityProviders, tenantId)).filter((provider) => provider.active && provider.id !== previous.id);
    if (others.length > 0) return;
    throw new AdminError(409, adminIssue('business-rule', `IdentityProvider/${previous.id} is the last active identity provider of tenant "${tenantId}", which has password sign-in turned off: set Tenant.password_login to true first, or nobody could sign in`));
  }

  async function refuseWhileHolding(tenantId: string): Promise<void> {
    if (tenantId === DEFAULT_TENANT) throw new AdminError(409, adminIssue('business-rule', 'The default tenant serves every URL without /t/{tenant}: it cannot be deleted'));
    const holdings = await deps.tenantHoldings(tenantId);
    if (holdings.length > 0) {
      const held = holdings.map((h) => `${h.count} ${h.count === 1 ? h.kind : h.kind.replace(/y$/, 'ie')}${h.count === 1 ? '' : 's'}`).join(', ');
      throw new AdminError(409, adminIssue('conflict', `Tenant/${tenantId} still holds ${held}: delete them first, or deactivate the tenant (active: false)`));
    }
  }

  return {
    async read(kind, id, options = {}) {
      const found = ADMIN_ID.test(id) ? await repo(kind).get(id) : undefined;
      if (!found || !visible(found)) throw notFound(`${kind}/${id} is not known`);
      return kind === 'Client' && options.revealSecret ? withSecret(found as StoredClient) : present(kind, found);
    },

    async put(kind, id, body, caller) {
      if (!ADMIN_ID.test(id)) throw badRequest(`"${id}" is not a valid id (1-128 letters, digits, ".", "_", "~" or "-")`, `${kind}.id`);
      if (kind === 'Tenant' && !TENANT_ID.test(id)) {
        throw badRequest(`"${id}" is not a valid tenant id (1-63 lower-case letters, digits or "-", starting with a letter or digit: it is part of URLs)`, 'Tenant.id');
      }
      // What the body leaves out is kept from the stored resource (a Client's secret, a User's password), so the
      // write is a compare-and-swap on the version read: a secret rotated or a password changed meanwhile is never
      // brought back. Another write in between means reading again.
      const input = bound(kind, body);
      let replaced: Stored<RegistryResource> | undefined;
      const saved = await readModifyWrite(repo(kind), id, async (previous) => {
        replaced = previous;
        // Ids are the deployment's (a client_id names one client): another tenant's, or a global one, is not replaced.
        if (previous && !visible(previous)) throw new AdminError(409, adminIssue('conflict', `${kind}/${id}: this id is in use outside this tenant; choose another`));
        const resource = { ...(await prepare(kind, input, id, previous, caller)), id };
        if (kind === 'IdentityProvider') await keepSignInPossible(previous, resource);
        if (previous) return repo(kind).replaceIfUnchanged(resource, previous.meta.versionId);
        // A tenant's admin only creates: an id taken meanwhile is read again (and refused above).
        return scope ? repo(kind).insertIfAbsent(resource) : repo(kind).put(resource);
      });
      // What the successful attempt replaced (a lost compare-and-swap reads again, and sets it again).
      await recordChange(kind, id, saved.created ? undefined : replaced, saved.resource, caller);
      return { resource: present(kind, saved.resource), created: saved.created };
    },

    async create(kind, body, caller) {
      // The id is chosen before the write, so that a Client's secret is encrypted for it.
      const id = deps.newId();
      const resource = await prepare(kind, bound(kind, body), id, undefined, caller);
      const saved = await conflictsAsOutcome(() => repo(kind).put({ ...resource, id }));
      await recordChange(kind, id, undefined, saved.resource, caller);
      return present(kind, saved.resource);
    },

    async delete(kind, id, caller) {
      const found = ADMIN_ID.test(id) ? await repo(kind).get(id) : undefined;
      if (!visible(found)) throw notFound(`${kind}/${id} is not known`);
      if (kind === 'Tenant' && found) await refuseWhileHolding(id);
      if (kind === 'IdentityProvider') await keepSignInPossible(found, undefined);
      if (!found || !(await repo(kind).delete(id))) throw notFound(`${kind}/${id} is not known`);
      await recordChange(kind, id, found, undefined, caller);
      return present(kind, found);
    },

    async list(kind, page) {
      const result = await repo(kind).list(scope ? { ...page, tenant: scope.tenant } : page);
      return { total: result.total, resources: result.resources.map((r) => present(kind, r)) };
    },

    async rotateSecret(id, caller) {
      const secret = deps.newSecret();
      const { resource } = await readModifyWrite(deps.clients as RegistryRepository<RegistryResource>, ADMIN_ID.test(id) ? id : undefined, async (stored) => {
        const found = stored as StoredClient | undefined;
        // Whether someone else's Client exists is not told: 403 before 404 for anyone but the root client.
        if (found && !visible(found)) throw notFound(`Client/${id} is not known`);
        const isOwner = caller.kind === 'user' && found !== undefined && found.owner === `User/${caller.user.id}`;
        // On a tenant's admin API, only its administrators sign in: each may rotate its Clients' secrets.
        if (caller.kind !== 'root' && !isOwner && scope === undefined && !isAdministrator(caller)) {
          throw new AdminError(403, adminIssue('forbidden', 'Only the root client, or the developer who owns the Client, may rotate its secret'));
        }
        if (!found) throw notFound(`Client/${id} is not known`);
        if (isPublicClient(found) || (found.secret === undefined && !needsSecret(found))) {
          throw new AdminError(422, adminIssue('business-rule', `Client/${id} does not authenticate with a secret (a public client, or one using JWT assertions only)`));
        }
        // Through the repository (and its read cache): the old secret stops working in this process at once. Only
        // the secret changes: a deactivation committed since the read makes the swap fail, and the read is redone.
        return deps.clients.replaceIfUnchanged({ ...found, secret: deps.secrets.seal(id, secret) }, found.meta.versionId);
      });
      await deps.audit.record(scope?.tenant ?? tenantOf(resource), adminActor(caller), [{ object: 'client', change: 'secret-rotated', id: resource.id }]);
      return { ...resource, secret };
    },
  };
}

/** An administrator signed in to the console: the root client's powers over what this admin sees. */
const isAdministrator = (caller: AdminCaller): boolean => caller.kind === 'user' && caller.administrator === true;

/** The object of each kind, as its AuditEvents name it. */
const OBJECT_OF = { User: 'user', AccessPolicy: 'policy', Tenant: 'tenant', IdentityProvider: 'identity-provider' } as const;

/** Attempts of a read-modify-write whose compare-and-swap lost to another write before it answers 409. */
const MAX_WRITE_ATTEMPTS = 5;

/**
 * Reads `id` (from the database: the admin repositories are uncached), lets `write` make its change of what it read,
 * and reads again when another write came first (`write` answered undefined), a bounded number of times.
 */
async function readModifyWrite<T extends RegistryResource>(
  repository: RegistryRepository<T>,
  id: string | undefined,
  write: (previous: Stored<T> | undefined) => Promise<PutResult<T> | undefined>,
): Promise<PutResult<T>> {
  for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
    const previous = id === undefined ? undefined : await repository.get(id);
    const saved = await conflictsAsOutcome(() => write(previous));
    if (saved) return saved;
  }
  throw new AdminError(409, adminIssue('conflict', `${id} was changed by other requests while this one was written; try again`));
}

async function conflictsAsOutcome<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof RegistryConflictError) throw new AdminError(409, adminIssue('duplicate', err.message, `User.${err.field}`));
    throw err;
  }
}
