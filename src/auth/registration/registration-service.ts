import type { z } from 'zod';
import { AdminError } from '../admin/admin-error.ts';
import type { initialAccessTokenSchema } from './registration-response.ts';
import type { AddressClass } from '../client-auth/jwks/address-class.ts';
import type { Client, ClientRepository } from '../clients/client-repository.ts';
import { clientSecretMatches, type ClientSecrets } from '../clients/client-secret.ts';
import { validateClient } from '../clients/validate-client.ts';
import { secretsEqual } from '../secret-compare.ts';
import { hashToken } from '../tokens/token-hash.ts';
import { parseClientMetadata, type ClientMetadata } from './client-metadata.ts';
import { clientFromMetadata, metadataOfClient, registrationOf, usesSecret } from './client-mapping.ts';
import { invalidMetadata, invalidToken } from './registration-error.ts';
import type { RegistrationStore, RegistrationUnit } from './registration-store.ts';
import { epochSeconds } from '../../shared/time.ts';
import type { UserRepository } from '../users/user.ts';
import { boundTo } from '../tenants/tenant-scope.ts';
import type { AuditActor } from '../../fhir/audit/audit-actor.ts';
import { clientChanges, tenantOf, type RegistryAudit, type RegistryChange, type RequestOrigin } from '../audit/registry-events.ts';

export interface RegistrationOptions {
  clients: ClientRepository;
  /**
   * The tenant whose registration endpoint this is, other than the default one: what registers here is bound to it
   * (`meta._tenant`), and only its own registrations are managed here. Absent: the root endpoint, whose
   * registrations are global and which manages no tenant's.
   */
  tenant?: string;
  /** This endpoint's Users: an initial access token issued to anyone else (another tenant's admin) is not valid here. */
  users: Pick<UserRepository, 'get'>;
  store: RegistrationStore;
  /** Each request's writes (the Client, its registration access token) in one transaction. */
  atomically: RegistrationUnit;
  mode: 'open' | 'initial-access-token';
  /** Production: redirect URIs must be https except on loopback. */
  strictRedirectUris: boolean;
  /** Special-use address classes a jwks_uri may name besides public ones: the JWKS fetcher's. */
  jwksUriAddresses: ReadonlySet<AddressClass>;
  /** Seconds an initial access token stays valid. */
  initialAccessTokenLifetime: number;
  /** Where RFC 7592 management lives: `${registrationUrl}/${client_id}`. */
  registrationUrl: string;
  now: () => Date;
  newId: () => string;
  newToken: () => string;
  newSecret: () => string;
  /** Secrets are stored encrypted; the clear one goes only into the response that issues it. */
  secrets: ClientSecrets;
  /** Every registration, update and deletion is recorded here before it is answered. */
  audit: RegistryAudit;
}

export interface RegistrationResponse {
  status: number;
  body?: Record<string, unknown>;
}

/** Dynamic client registration (RFC 7591) and its management protocol (RFC 7592). */
export interface ClientRegistration {
  readonly mode: 'open' | 'initial-access-token';
  /**
   * readBody is called only once the caller is authorised, so a bad token is a 401 even with a bad body. `origin`:
   * where the request came from, recorded with the change (register, update, remove; a read changes nothing).
   */
  register(initialAccessToken: string | undefined, readBody: () => unknown, origin: RequestOrigin): Promise<RegistrationResponse>;
  /** Rotates the registration access token: the response carries the new one, the old one stops working. */
  read(clientId: string, accessToken: string | undefined): Promise<RegistrationResponse>;
  update(clientId: string, accessToken: string | undefined, readBody: () => unknown, origin: RequestOrigin): Promise<RegistrationResponse>;
  remove(clientId: string, accessToken: string | undefined, origin: RequestOrigin): Promise<RegistrationResponse>;
  /** Issues an initial access token (RFC 7591 §3) to `issuedTo` (`root`, or `User/<id>`). */
  issueInitialAccessToken(issuedTo: string): Promise<z.infer<typeof initialAccessTokenSchema>>;
}

/** RFC 7592 §2.2: fields of the server's response an update must not send back. */
const SERVER_MANAGED_FIELDS = ['registration_access_token', 'registration_client_uri', 'client_secret_expires_at', 'client_id_issued_at'];

export function createClientRegistration(options: RegistrationOptions): ClientRegistration {
  const { clients, store, now } = options;
  const rules = { strictRedirectUris: options.strictRedirectUris, jwksUriAddresses: options.jwksUriAddresses };

  /** Who the initial access token was issued to; throws 401 when one is needed and not valid. */
  async function authorizeRegistration(token: string | undefined): Promise<string | undefined> {
    if (options.mode === 'open') return undefined;
    if (!token) throw invalidToken('an initial access token is required (Authorization: Bearer ...)');
    const record = await store.initialAccessToken(hashToken(token));
    if (!record) throw invalidToken('the initial access token is not valid');
    if (record.expiresAt.getTime() <= now().getTime()) throw invalidToken('the initial access token has expired');
    const user = /^User\/(.+)$/.exec(record.issuedTo)?.[1];
    if (user !== undefined && !(await options.users.get(user))) throw invalidToken('the initial access token is not valid');
    return record.issuedTo;
  }

  /** The registered client an RFC 7592 request manages; 401 for any failure so nothing leaks (RFC 7592 §2.1). */
  async function authorizeManagement(clientId: string, token: string | undefined): Promise<Client & { id: string }> {
    if (!token) throw invalidToken('the registration access token is required (Authorization: Bearer ...)');
    const [hash, client] = await Promise.all([store.accessTokenHash(clientId), clients.get(clientId)]);
    // Compare even when there is no registration, so a missing client takes as long as a wrong token.
    const matches = secretsEqual(hashToken(token), hash ?? '');
    if (!hash || !matches || !client || boundTo(client) !== options.tenant) throw invalidToken('the registration access token is not valid for this client');
    return client;
  }

  /** The Client the registration becomes, checked by the Client rules too. */
  function validClient(client: Client & { id: string }, previous: Client | undefined): Client & { id: string } {
    let valid: Client;
    try {
      valid = validateClient(client, { id: client.id, ...(previous ? { previous } : {}), newSecret: options.newSecret, jwksUriAddresses: options.jwksUriAddresses, secrets: options.secrets });
    } catch (err) {
      // The metadata passed our own checks; anything the Client rules still refuse is the client's metadata at fault.
      if (err instanceof AdminError) throw invalidMetadata(err.issues.map((i) => i.diagnostics).join('; '));
      throw err;
    }
    const method = registrationOf(valid)?.token_endpoint_auth_method;
    if (method && !usesSecret(method)) delete valid.secret;
    return { ...valid, id: client.id };
  }

  /** RFC 7592: a new registration access token for a managed client, only if the presented one is still current. */
  async function rotateAccessToken(clientId: string, presented: string, tokens: Pick<RegistrationStore, 'rotateAccessTokenHash'>): Promise<string> {
    const token = options.newToken();
    if (!(await tokens.rotateAccessTokenHash(clientId, hashToken(presented), hashToken(token), now()))) {
      throw invalidToken('the registration access token was already rotated by another request');
    }
    return token;
  }

  /**
   * `issuedSecret`: a secret this very request issued. RFC 7591 §3.2.1 returns it with the registration;
   * RFC 7592 §2.1 and §2.2 let a read or update return the secret, and we do only when that update
   * issued a new one: a registration access token never reads back a secret already issued.
   */
  function registrationResponse(client: Client & { id: string }, token: string, status: number, issuedSecret?: string): RegistrationResponse {
    return {
      status,
      body: {
        ...metadataOfClient(client),
        ...(issuedSecret !== undefined ? { client_secret: issuedSecret } : {}),
        registration_client_uri: `${options.registrationUrl}/${encodeURIComponent(client.id)}`,
        registration_access_token: token,
      },
    };
  }

  /** The Client an RFC 7592 update makes of `current`, and the secret it issued, if any. */
  function updatedClient(current: Client & { id: string }, input: Record<string, unknown>, metadata: ClientMetadata): { client: Client & { id: string }; issued?: string } {
    // RFC 7592 §2.2: a client_secret sent must match the current one, which a client without a secret does not
    // have; a client cannot choose its own.
    if (input.client_secret !== undefined && current.secret === undefined) throw invalidMetadata('client_secret: this client has no secret to match');
    if (input.client_secret !== undefined && (typeof input.client_secret !== 'string' || !clientSecretMatches(current, input.client_secret, options.secrets))) {
      throw invalidMetadata('client_secret must be the currently issued secret; a client cannot choose its own');
    }
    const issuedAt = registrationOf(current)?.client_id_issued_at ?? epochSeconds(now());
    const client = clientFromMetadata(current.id, metadata, issuedAt, current);
    // A secret survives an update while the client keeps a secret-based method (RFC 7592 §2.2): validClient
    // keeps the stored one. A client moving to such a method from another is issued one now.
    const issued = usesSecret(metadata.token_endpoint_auth_method) && current.secret === undefined ? options.newSecret() : undefined;
    if (issued !== undefined) client.secret = issued;
    return { client: validClient(client, current), ...(issued !== undefined ? { issued } : {}) };
  }

  /**
   * Records a committed change, awaited before the answer. The trail appends to its own chain through a group commit
   * and cannot join the registration's transaction: an event that fails to commit after its change did fails the
   * request instead (a 5xx in RFC 6749's error format), so no change is acknowledged without its event.
   */
  const record = (client: Client, by: AuditActor, changes: RegistryChange[]) => options.audit.record(tenantOf(client), by, changes);

  return {
    mode: options.mode,

    async register(initialAccessToken, readBody, origin) {
      const issuedTo = await authorizeRegistration(initialAccessToken);
      const metadata = parseClientMetadata(readBody(), rules);
      const id = options.newId();
      const client = clientFromMetadata(id, metadata, epochSeconds(now()));
      if (options.tenant !== undefined) client.meta = { _tenant: options.tenant };
      const issued = usesSecret(metadata.token_endpoint_auth_method) ? options.newSecret() : undefined;
      if (issued !== undefined) client.secret = issued;
      if (issuedTo?.startsWith('User/')) client.owner = issuedTo;
      const valid = validClient(client, undefined);
      const token = options.newToken();
      // Together or not at all: a Client without its token is one nobody could manage.
      const saved = await options.atomically(async (writes) => {
        const stored = (await writes.clients.put(valid)).resource;
        await writes.store.putAccessTokenHash(id, hashToken(token), now());
        return stored;
      });
      // Who registers: the holder of the initial access token (the root client, or the developer it was issued to)
      // when there is one, and the Client registering itself.
      const user = issuedTo?.startsWith('User/') ? { userId: issuedTo.slice('User/'.length) } : {};
      const by: AuditActor = issuedTo === 'root' ? { root: true, ...origin } : { ...user, clientId: saved.id, ...origin };
      await record(saved, by, clientChanges(saved.id, undefined, saved));
      return registrationResponse(saved, token, 201, issued);
    },

    async read(clientId, accessToken) {
      const client = await authorizeManagement(clientId, accessToken);
      // RFC 7592 §3: the response MUST carry registration_access_token; only its hash is stored, so a read rotates it.
      return registrationResponse(client, await rotateAccessToken(clientId, accessToken ?? '', store), 200);
    },

    async update(clientId, accessToken, readBody, origin) {
      await authorizeManagement(clientId, accessToken);
      const body = readBody();
      if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidMetadata('the body must be a JSON object of client metadata');
      const input = body as Record<string, unknown>;
      // RFC 7592 §2.2: the server's own fields of a response are not sent back.
      const serverManaged = SERVER_MANAGED_FIELDS.filter((key) => input[key] !== undefined);
      if (serverManaged.length) throw invalidMetadata(`${serverManaged.join(', ')} must not be sent in an update: the server manages them (RFC 7592 §2.2)`);
      // RFC 7592 §2.2: the body names the client it replaces.
      if (input.client_id !== clientId) throw invalidMetadata('client_id in the body must be the client_id of this registration');
      const metadata = parseClientMetadata(body, rules);
      // A read-modify-write of the Client as it stands under its row lock, not as it was read above: what another
      // request committed meanwhile (an administrator's deactivation, a rotated secret) is kept, never overwritten.
      // Valid first, then the token (compare-and-swap) and the write, together: a refused or failed update never
      // costs the client its token.
      const { previous, saved, token, issued } = await options.atomically(async (writes) => {
        const current = await writes.clients.getForUpdate(clientId);
        if (!current) throw invalidToken('the registration access token is not valid for this client');
        const { client, issued } = updatedClient(current, input, metadata);
        const rotated = await rotateAccessToken(clientId, accessToken ?? '', writes.store);
        return { previous: current, saved: (await writes.clients.put(client)).resource, token: rotated, issued };
      });
      // RFC 7592: the client manages its own registration.
      await record(saved, { clientId, ...origin }, clientChanges(clientId, previous, saved));
      return registrationResponse(saved, token, 200, issued);
    },

    async remove(clientId, accessToken, origin) {
      const client = await authorizeManagement(clientId, accessToken);
      await options.atomically(async (writes) => {
        await writes.clients.delete(clientId);
        await writes.store.deleteRegistration(clientId);
      });
      await record(client, { clientId, ...origin }, clientChanges(clientId, client, undefined));
      return { status: 204 };
    },

    async issueInitialAccessToken(issuedTo) {
      const token = options.newToken();
      const issuedAt = now();
      const expiresAt = new Date(issuedAt.getTime() + options.initialAccessTokenLifetime * 1000);
      await store.addInitialAccessToken(hashToken(token), { issuedTo, issuedAt, expiresAt });
      return { token, expires_at: epochSeconds(expiresAt) };
    },
  };
}
