import type { ClientRepository, StoredClient } from '../clients/client-repository.ts';

/** The client with this id, only when it exists and is not deactivated (`active: false`). */
export async function findActiveClient(clients: ClientRepository, clientId: string): Promise<StoredClient | undefined> {
  if (clientId === '' || clientId.length > 256) return undefined;
  const client = await clients.get(clientId);
  return client && client.active !== false ? client : undefined;
}
