import type { DecisionTrace } from '../access/decision-trace.ts';
import { parseBasicAuthorization } from '../basic-credentials.ts';
import type { ClientAuthThrottle } from '../client-auth/client-auth-throttle.ts';
import type { ClientRepository, StoredClient } from '../clients/client-repository.ts';
import { clientSecretMatches, type ClientSecrets } from '../clients/client-secret.ts';
import type { AccessPolicyRepository } from '../policies/access-policy.ts';
import { evaluatePolicies } from '../policies/evaluate-policies.ts';
import type { PolicyRequestContext } from '../policies/request-context.ts';
import { isRootClient, type RootClientCredentials } from '../root-client.ts';
import type { FailureThrottle } from '../sessions/failure-throttle.ts';
import { verifyPassword } from '../users/password-hash.ts';
import { publicUser, type StoredUser, type UserRepository } from '../users/user.ts';

/** Who calls, and (`address`, set by the HTTP layer) from where: the actor its changes are recorded under. */
export type AdminCaller = ({ kind: 'root' } | { kind: 'client'; client: StoredClient } | { kind: 'user'; user: StoredUser; administrator?: true }) & { address?: string };

/**
 * A User with the role `admin` acting through the admin console, signed in (with their second factor where it is
 * required): at the root, over the whole deployment as the root client is; at a tenant, over that tenant.
 */
export function consoleCaller(user: StoredUser, address: string): AdminCaller {
  return { kind: 'user', user, administrator: true, address };
}

/** Credentials refused unchecked: their client_id or account has had too many failures within the window. */
export interface ThrottledCredentials {
  kind: 'throttled';
  retryAfterSeconds: number;
}

/** Users with this role may sign in to the developer surfaces (RPC, initial access tokens). */
export const DEVELOPER_ROLE = 'developer';

// A well-formed hash of a random, discarded password: an unknown email costs the same scrypt run as a
// known one, so response times do not tell which emails have accounts.
const NO_USER_HASH = 'scrypt$N=32768,r=8,p=1$Q48NpGQEb5iBgGx7XiEv2Q$eupVv-dpuPSC-5SV3KQ6U1jubMJvWXqu3YVnhJrd8t4';

export interface AdminAccessDeps {
  root: RootClientCredentials;
  clients: ClientRepository;
  policies: AccessPolicyRepository;
  users: UserRepository;
  /** A Client authenticating with its secret: the stored one is decrypted to compare. */
  secrets: ClientSecrets;
  /** Wrong Client secrets per client_id: the token endpoint's count, so a guess costs the same on every surface. */
  clientThrottle: ClientAuthThrottle;
  /** Wrong developer passwords per account: the sign-in page's count of the account, one budget per password. */
  accountThrottle: FailureThrottle;
  /**
   * A tenant's own admin API: only the root client and that tenant's Users with the role `admin` sign in (no Client,
   * no developer), and such a User may do everything there, as the root client may everywhere.
   */
  tenantAdministrators?: true;
}

/** Users with this role administer their tenant (its Clients, Users and AccessPolicies). */
export const ADMIN_ROLE = 'admin';

/**
 * Whose HTTP Basic credentials these are: the root client, an active Client with a matching secret,
 * an active developer User (email and password), or nobody. A Client's secret and a User's password are
 * throttled like at the token endpoint and the sign-in page, sharing their counts: once a client_id or an
 * account has too many failures, its credentials are refused unchecked (`throttled`), the right ones too. The
 * root client is not throttled (a lockout would let anyone lock the operator out): in production its secret is
 * long enough not to be guessed online (config.ts).
 */
export async function authenticateBasic(authorization: string | undefined, deps: AdminAccessDeps): Promise<AdminCaller | ThrottledCredentials | undefined> {
  if (isRootClient(authorization, deps.root)) return { kind: 'root' };
  const credentials = parseBasicAuthorization(authorization);
  if (!credentials) return undefined;
  const client = deps.tenantAdministrators ? undefined : await deps.clients.get(credentials.username);
  if (client) {
    const secretOk = client.active !== false && clientSecretMatches(client, credentials.password, deps.secrets);
    const decision = await deps.clientThrottle.settle(credentials.username, secretOk);
    if (!decision.allowed) return { kind: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };
    return secretOk ? { kind: 'client', client } : undefined;
  }
  const user = await deps.users.findByEmail(credentials.username);
  const passwordOk = await verifyPassword(credentials.password, user?.password_hash ?? NO_USER_HASH);
  // As at the sign-in page, a deactivated User's password is a failure; the developer role is a matter of access.
  const decision = await deps.accountThrottle.settle(credentials.username, user !== undefined && passwordOk && user.active !== false);
  if (!decision.allowed) return { kind: 'throttled', retryAfterSeconds: decision.retryAfterSeconds };
  if (!user || !passwordOk || user.active === false || !user.roles?.includes(deps.tenantAdministrators ? ADMIN_ROLE : DEVELOPER_ROLE)) return undefined;
  return { kind: 'user', user };
}

/** What an admin API request looks like to a policy, without its caller: `uri` the path, `operation.id` like `Client.update`. */
export function adminPolicyContext(method: string, url: URL, operation: string): PolicyRequestContext {
  const params: PolicyRequestContext['params'] = {};
  for (const [k, v] of url.searchParams) {
    const prior = params[k];
    params[k] = prior === undefined ? v : Array.isArray(prior) ? [...prior, v] : [prior, v];
  }
  return { method, uri: url.pathname, params, operation: { id: operation } };
}

/**
 * The root client may do anything; any other caller only what an AccessPolicy grants for this request.
 * `request` is the policy context without the caller, which is added here (secret left out). With a `trace`
 * (the console's policy tester), the policies evaluated are written there.
 */
export async function mayCall(caller: AdminCaller, request: PolicyRequestContext, deps: AdminAccessDeps, trace?: DecisionTrace): Promise<boolean> {
  if (caller.kind === 'root') return true;
  if (deps.tenantAdministrators) {
    const admitted = caller.kind === 'user' && caller.user.roles?.includes(ADMIN_ROLE) === true;
    trace?.push({ kind: 'user', verdict: admitted ? 'met' : 'missing', text: `a tenant's admin API admits its Users with the role ${ADMIN_ROLE} only (AccessPolicies do not apply)` });
    return admitted;
  }
  if (caller.kind === 'user') return evaluatePolicies(await deps.policies.all(), { ...request, user: publicUser(caller.user) }, trace);
  const { secret: _secret, ...client } = caller.client;
  return evaluatePolicies(await deps.policies.all(), { ...request, client }, trace);
}
