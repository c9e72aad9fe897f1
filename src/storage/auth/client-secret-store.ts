import type { ClientSecretStore } from '../../auth/clients/client-secret-store.ts';
import type { SqlClient } from '../database.ts';
import { createSealedMemberStore } from './sealed-member-store.ts';

/** PostgreSQL implementation of the Client secret store (the `secret` member of auth_client.content, migration 004). */
export function createClientSecretStore(sql: SqlClient): ClientSecretStore {
  const store = createSealedMemberStore(sql, 'auth_client');
  return {
    list: async () => (await store.list()).map((row) => ({ clientId: row.id, secret: row.sealed })),
    replace: store.replace,
  };
}
