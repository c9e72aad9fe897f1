import type { AuditActor } from '../../fhir/audit/audit-actor.ts';
import { AdminError } from '../admin/admin-error.ts';
import { clientChanges, tenantOf, type RegistryAudit, type RegistryChange } from '../audit/registry-events.ts';
import type { AddressClass } from '../client-auth/jwks/address-class.ts';
import { isPublicClient, needsSecret } from '../clients/client-kind.ts';
import type { Client, ClientRepository, ClientStatus, StoredClient } from '../clients/client-repository.ts';
import type { ClientSecrets } from '../clients/client-secret.ts';
import { validateClient } from '../clients/validate-client.ts';
import { ApplicationError, clientOfApplication, fieldOfClientPath, type ApplicationField, type ApplicationInput } from './application-input.ts';

export interface DeveloperAppsDeps {
  clients: ClientRepository;
  newSecret: () => string;
  /** The new Client's id, chosen before the write: its secret is encrypted for it. */
  newId: () => string;
  secrets: Pick<ClientSecrets, 'seal'>;
  /** Production: a redirect URI over plain http only on loopback, as at RFC 7591 registration (developers are not operators). */
  strictRedirectUris: boolean;
  /** Special-use address classes a jwks_uri may name besides public ones (the JWKS fetcher's). */
  jwksUriAddresses: ReadonlySet<AddressClass>;
  /** Sandbox mode: a developer's app is approved as it is saved, so it works at once. */
  autoApprove: boolean;
  /** Every change is recorded here before it is answered. */
  audit: RegistryAudit;
}

/** A developer's app as the portal shows it: never with its stored secret. */
export type DeveloperApp = StoredClient & { secret?: undefined };

/** An app and the secret just issued to it: the only time the clear secret is seen. */
export interface IssuedSecret {
  app: DeveloperApp;
  secret?: string;
}

/** Who saves an app: a developer (`User/<id>`, its owner) or the root client or a Client the operator admitted (no owner, approved: the operator is the approver). */
export type AppAuthor = { owner: string } | { operator: true };

/**
 * Developers' apps, for the developer portal and the `save-developer-application` RPC alike: one way to build,
 * validate and store them, mint and rotate their secrets, and move them through review. A developer reaches only
 * the Clients they own: anyone else's is answered as unknown (undefined), never as forbidden. Every change takes
 * `by`, who makes it and from where, and resolves once its AuditEvent is committed too.
 */
export interface DeveloperApps {
  create(author: AppAuthor, input: ApplicationInput, by: AuditActor): Promise<IssuedSecret>;
  list(owner: string): Promise<DeveloperApp[]>;
  get(owner: string, id: string): Promise<DeveloperApp | undefined>;
  /** In production an edit sends the app back to `draft`: what was approved is not what it now is. */
  update(owner: string, id: string, input: ApplicationInput, by: AuditActor): Promise<DeveloperApp | undefined>;
  remove(owner: string, id: string, by: AuditActor): Promise<boolean>;
  /** Undefined: not the owner's, or the app has no secret (public, or keys only). */
  rotateSecret(owner: string, id: string, by: AuditActor): Promise<IssuedSecret | undefined>;
  /** `draft` or `rejected` → `submitted`; anything else stays as it is. */
  submit(owner: string, id: string, by: AuditActor): Promise<DeveloperApp | undefined>;
}

/** Attempts of a compare-and-swap that lost to another write, before giving up. */
const MAX_WRITE_ATTEMPTS = 5;

export function createDeveloperApps(deps: DeveloperAppsDeps): DeveloperApps {
  const initialStatus = (author: AppAuthor): ClientStatus => ('operator' in author || deps.autoApprove ? 'approved' : 'draft');

  /** The validated Client; the clear secret the validation minted, when it minted one. */
  function build(id: string, input: ApplicationInput, status: ClientStatus, owner: string | undefined, previous?: StoredClient): { client: Client; secret?: string } {
    let minted: string | undefined;
    const newSecret = () => (minted = deps.newSecret());
    try {
      const client = validateClient(clientOfApplication(input, status, owner), {
        id,
        ...(previous ? { previous } : {}),
        newSecret,
        secrets: deps.secrets,
        strictRedirectUris: deps.strictRedirectUris,
        jwksUriAddresses: deps.jwksUriAddresses,
      });
      return { client, ...(minted !== undefined ? { secret: minted } : {}) };
    } catch (err) {
      if (err instanceof AdminError) throw applicationErrorOf(err);
      throw err;
    }
  }

  const owned = async (owner: string, id: string): Promise<StoredClient | undefined> => {
    const found = await deps.clients.get(id);
    return found && found.owner === owner ? found : undefined;
  };

  /**
   * Records a committed change, awaited before the answer. The Client's write and the trail's cannot be one
   * transaction (the trail appends to its own chain through a group commit): an event that fails to commit after its
   * change did fails the request instead (the portal's and the RPC's error answers), so no change is acknowledged
   * without its event.
   */
  const record = (client: StoredClient, by: AuditActor, changes: RegistryChange[]) => deps.audit.record(tenantOf(client), by, changes);

  /**
   * Reads the owner's Client and writes what `change` makes of it, again when another write came first; records the
   * change (as the events `clientChanges` tells apart) once it committed.
   */
  async function change(owner: string, id: string, by: AuditActor, write: (found: StoredClient) => Client | undefined): Promise<StoredClient | undefined> {
    for (let attempt = 0; attempt < MAX_WRITE_ATTEMPTS; attempt++) {
      const found = await owned(owner, id);
      if (!found) return undefined;
      const next = write(found);
      if (!next) return undefined;
      const saved = await deps.clients.replaceIfUnchanged({ ...next, id }, found.meta.versionId);
      if (saved) {
        await record(saved.resource, by, clientChanges(id, found, saved.resource));
        return saved.resource;
      }
    }
    throw new Error(`Client/${id} was changed by other requests while this one was written`);
  }

  return {
    async create(author, input, by) {
      const id = deps.newId();
      const { client, secret } = build(id, input, initialStatus(author), 'owner' in author ? author.owner : undefined);
      const saved = await deps.clients.put({ ...client, id });
      await record(saved.resource, by, clientChanges(id, undefined, saved.resource));
      return { app: withoutSecret(saved.resource), ...(secret !== undefined ? { secret } : {}) };
    },

    async list(owner) {
      const page = await deps.clients.list({ count: 1000, offset: 0, owner });
      return page.resources.map(withoutSecret);
    },

    async get(owner, id) {
      const found = await owned(owner, id);
      return found ? withoutSecret(found) : undefined;
    },

    async update(owner, id, input, by) {
      const saved = await change(owner, id, by, (found) => {
        const status: ClientStatus = deps.autoApprove ? 'approved' : 'draft';
        const { client } = build(id, input, status, owner, found);
        // An edit never lifts an administrator's suspension, and the last review's note stays for the developer to read.
        if (found.active === false) client.active = false;
        if (found.review) client.review = found.review;
        // The Client rules keep the stored secret while the app still needs one; one that no longer does drops it.
        if (!needsSecret(client)) delete client.secret;
        return client;
      });
      return saved ? withoutSecret(saved) : undefined;
    },

    async remove(owner, id, by) {
      const found = await owned(owner, id);
      if (!found || !(await deps.clients.delete(id))) return false;
      await record(found, by, clientChanges(id, found, undefined));
      return true;
    },

    async rotateSecret(owner, id, by) {
      const secret = deps.newSecret();
      const saved = await change(owner, id, by, (found) => {
        if (isPublicClient(found) || (found.secret === undefined && !needsSecret(found))) return undefined;
        return { ...found, secret: deps.secrets.seal(id, secret) };
      });
      return saved ? { app: withoutSecret(saved), secret } : undefined;
    },

    async submit(owner, id, by) {
      const saved = await change(owner, id, by, (found) => (found.status === 'draft' || found.status === 'rejected' ? { ...found, status: 'submitted' } : found));
      return saved ? withoutSecret(saved) : undefined;
    },
  };
}

function withoutSecret(client: StoredClient): DeveloperApp {
  const { secret: _secret, ...app } = client;
  return app as DeveloperApp;
}

/** The Client rules' problems, each under the input field it came from (the first problem of each field). */
function applicationErrorOf(err: AdminError): ApplicationError {
  const problems: Partial<Record<ApplicationField, string>> = {};
  for (const issue of err.issues) {
    const expression = issue.expression?.[0] ?? '';
    const field = fieldOfClientPath(expression);
    // The diagnostics repeat the Client path; the person filling the form wants only the rule.
    const message = expression && issue.diagnostics.startsWith(`${expression}: `) ? issue.diagnostics.slice(expression.length + 2) : issue.diagnostics;
    problems[field] ??= message;
  }
  return new ApplicationError(problems);
}
