import type { ClientRepository } from '../clients/client-repository.ts';
import type { AccessPolicyRepository } from '../policies/access-policy.ts';
import { publicUser, type UserRepository } from '../users/user.ts';
import type { AccessGrant } from './access-grant.ts';
import type { PolicySubject } from './policy-gate.ts';

export interface PolicySubjectDeps {
  clients: Pick<ClientRepository, 'get'>;
  users: Pick<UserRepository, 'get'>;
  policies: Pick<AccessPolicyRepository, 'all'>;
}

/**
 * Loads what the policy gate needs for one token: every policy (the set is small; the admin API reads it
 * the same way), the token's Client and User without their secrets. A Client that no longer exists, or is
 * inactive, gives no subject, so no policy can grant (fail closed).
 */
export function createPolicySubjectLoader(deps: PolicySubjectDeps): (grant: AccessGrant) => Promise<PolicySubject | undefined> {
  return async (grant) => {
    if (grant.clientId === undefined) return undefined;
    const [client, user, policies] = await Promise.all([
      deps.clients.get(grant.clientId),
      grant.userId !== undefined ? deps.users.get(grant.userId) : Promise.resolve(undefined),
      deps.policies.all(),
    ]);
    if (!client || client.active === false) return undefined;
    const { secret: _secret, ...publicClient } = client;
    return { policies, client: publicClient, ...(user && user.active !== false ? { user: publicUser(user) } : {}) };
  };
}
