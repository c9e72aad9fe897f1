import { isPublicClient } from '../../clients/client-kind.ts';
import { clientSecretMatches } from '../../clients/client-secret.ts';
import type { AuthenticatedClient, ClientAuthDeps } from '../client-auth-method.ts';
import { findActiveClient } from '../client-lookup.ts';
import { invalidClient, tooManyAttempts } from '../../oauth-error.ts';

/**
 * The shared-secret check of client_secret_basic and client_secret_post. Unknown, inactive and wrong-secret
 * answers are identical and do the same work (no client enumeration); the stored secret is decrypted and
 * compared in constant time, and one that does not decrypt (a wrong SECRETS_KEY) is a wrong secret.
 * Then the throttle settles it (client-auth-throttle.ts): a wrong secret is counted, and once the client_id has
 * too many failures every attempt is refused, the right secret too, so a right guess then reads like a wrong one.
 */
export async function authenticateWithSecret(
  clientId: string,
  secret: string,
  method: 'client_secret_basic' | 'client_secret_post',
  deps: ClientAuthDeps,
): Promise<AuthenticatedClient> {
  const basic = method === 'client_secret_basic';
  const client = await findActiveClient(deps.clients, clientId);
  const matches = clientSecretMatches(client, secret, deps.secrets);
  const decision = await deps.throttle.settle(clientId, client !== undefined && matches);
  if (!decision.allowed) throw tooManyAttempts(decision.retryAfterSeconds, { basic });
  if (client && isPublicClient(client)) throw invalidClient('a public client must not send a client secret', { basic });
  if (!client || !matches) throw invalidClient('invalid client credentials', { basic });
  return { client, method };
}
