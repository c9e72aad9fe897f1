import type { Grant } from '../../auth/grants/grant.ts';
import type { GrantStore } from '../../auth/grants/grant-store.ts';
import type { SqlClient } from '../database.ts';

/** PostgreSQL implementation of the grant store (migration 008). */
export function createGrantStore(sql: SqlClient): GrantStore {
  return {
    async save(grant, now) {
      await sql.query(
        `INSERT INTO auth_grant (id, client_id, user_id, content, created_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING`,
        [grant.id, grant.clientId, grant.userId ?? null, JSON.stringify(grant), now.toISOString()],
      );
    },

    async get(id) {
      const rows = await sql.query<{ content: string; revoked: boolean }>(
        'SELECT content::text AS content, revoked_at IS NOT NULL AS revoked FROM auth_grant WHERE id = $1',
        [id],
      );
      const row = rows[0];
      return row ? { grant: JSON.parse(row.content) as Grant, revoked: row.revoked } : undefined;
    },

    async revoke(id, now) {
      // A tombstone for a grant never stored (a code replayed after a failed first redemption) keeps it dead.
      await sql.query(
        `INSERT INTO auth_grant (id, client_id, content, created_at, revoked_at) VALUES ($1, '', '{}', $2, $2)
         ON CONFLICT (id) DO UPDATE SET revoked_at = COALESCE(auth_grant.revoked_at, EXCLUDED.revoked_at)`,
        [id, now.toISOString()],
      );
    },

    async isActive(grantId) {
      const rows = await sql.query<{ revoked: boolean }>('SELECT revoked_at IS NOT NULL AS revoked FROM auth_grant WHERE id = $1', [grantId]);
      return rows[0] !== undefined && !rows[0].revoked;
    },
  };
}
