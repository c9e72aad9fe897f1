import type { ClientSecretStore } from '../../auth/clients/client-secret-store.ts';
import type { SqlClient } from '../database.ts';

/** PostgreSQL implementation of the Client secret store (the `secret` member of auth_client.content, migration 004). */
export function createClientSecretStore(sql: SqlClient): ClientSecretStore {
  return {
    async list() {
      const rows = await sql.query<{ id: string; secret: string }>(
        `SELECT id, content->>'secret' AS secret FROM auth_client WHERE jsonb_typeof(content->'secret') = 'string' ORDER BY id`,
      );
      return rows.map((row) => ({ clientId: row.id, secret: row.secret }));
    },

    async replace(clientId, expected, next) {
      const rows = await sql.query(
        `UPDATE auth_client SET content = jsonb_set(content, '{secret}', to_jsonb($3::text))
          WHERE id = $1 AND content->>'secret' = $2 RETURNING id`,
        [clientId, expected, next],
      );
      return rows.length === 1;
    },
  };
}
