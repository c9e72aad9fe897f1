import type { ProviderSecretStore } from '../../auth/federation/provider-secret.ts';
import type { SqlClient } from '../database.ts';

/** The sealed `client_secret` member of auth_identity_provider.content (migration 028). */
export function createProviderSecretStore(sql: SqlClient): ProviderSecretStore {
  return {
    async list() {
      const rows = await sql.query<{ id: string; secret: string }>(
        `SELECT id, content->>'client_secret' AS secret FROM auth_identity_provider WHERE jsonb_typeof(content->'client_secret') = 'string' ORDER BY id`,
      );
      return rows.map((row) => ({ providerId: row.id, sealed: row.secret }));
    },
    async replace(providerId, expected, next) {
      const rows = await sql.query(
        `UPDATE auth_identity_provider SET content = jsonb_set(content, '{client_secret}', to_jsonb($3::text))
          WHERE id = $1 AND content->>'client_secret' = $2 RETURNING id`,
        [providerId, expected, next],
      );
      return rows.length === 1;
    },
  };
}
