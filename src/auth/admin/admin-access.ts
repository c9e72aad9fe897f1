import { parseBasicAuthorization } from '../basic-credentials.ts';
import type { ClientRepository, StoredClient } from '../clients/client-repository.ts';
import { clientSecretMatches } from '../clients/client-secret.ts';
import type { AccessPolicyRepository } from '../policies/access-policy.ts';
import { evaluatePolicies } from '../policies/evaluate-policies.ts';
import type { PolicyRequestContext } from '../policies/request-context.ts';
import { isRootClient, type RootClientCredentials } from '../root-client.ts';

export type AdminCaller = { kind: 'root' } | { kind: 'client'; client: StoredClient };

export interface AdminAccessDeps {
  root: RootClientCredentials;
  clients: ClientRepository;
  policies: AccessPolicyRepository;
}

/** Whose HTTP Basic credentials these are: the root client, an active Client with a matching secret, or nobody. */
export async function authenticateBasic(authorization: string | undefined, deps: AdminAccessDeps): Promise<AdminCaller | undefined> {
  if (isRootClient(authorization, deps.root)) return { kind: 'root' };
  const credentials = parseBasicAuthorization(authorization);
  if (!credentials) return undefined;
  const client = await deps.clients.get(credentials.username);
  const secretOk = clientSecretMatches(client, credentials.password);
  if (!client || client.active === false || !secretOk) return undefined;
  return { kind: 'client', client };
}

/**
 * The root client may do anything; any other caller only what an AccessPolicy grants for this request.
 * `request` is the policy context without the caller, which is added here (secret left out).
 */
export async function mayCall(caller: AdminCaller, request: PolicyRequestContext, deps: AdminAccessDeps): Promise<boolean> {
  if (caller.kind === 'root') return true;
  const { secret: _secret, ...client } = caller.client;
  return evaluatePolicies(await deps.policies.all(), { ...request, client });
}
