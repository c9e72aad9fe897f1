import type { ProviderSecretStore } from '../../auth/federation/provider-secret.ts';
import type { SqlClient } from '../database.ts';
import { createSealedMemberStore } from './sealed-member-store.ts';

/** The sealed `client_secret` member of auth_identity_provider.content (migration 028). */
export function createProviderSecretStore(sql: SqlClient): ProviderSecretStore {
  const store = createSealedMemberStore(sql, 'auth_identity_provider');
  return {
    list: async () => (await store.list()).map((row) => ({ providerId: row.id, sealed: row.sealed })),
    replace: store.replace,
  };
}
