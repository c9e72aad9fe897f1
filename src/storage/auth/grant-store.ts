import type { Grant } from '../../auth/grants/grant.ts';
import type { GrantStore } from '../../auth/grants/grant-store.ts';
import type { SqlClient } from '../database.ts';
import { prepared } from '../prepared-statement.ts';

/** Saving a grant once (a later save of the same id changes nothing), its five values from `$first` on. */
export function insertGrantSql(first: number): string {
  const [a, b, c, d, e] = [0, 1, 2, 3, 4].map((i) => `$${first + i}`);
  return `INSERT INTO auth_grant (id, client_id, user_id, content, created_at) VALUES (${a}, ${b}, ${c}, ${d}, ${e}) ON CONFLICT (id) DO NOTHING`;
}

/** The values of insertGrantSql, in order. */
export function grantRow(grant: Grant, now: Date): unknown[] {
  return [grant.id, grant.clientId, grant.userId ?? null, JSON.stringify(grant), now.toISOString()];
}

const GET_GRANT = prepared('SELECT content::text AS content, revoked_at IS NOT NULL AS revoked FROM auth_grant WHERE id = $1');
const GRANT_REVOKED = prepared('SELECT revoked_at IS NOT NULL AS revoked FROM auth_grant WHERE id = $1');

/** PostgreSQL implementation of the grant store (migration 008). */
export function createGrantStore(sql: SqlClient): GrantStore {
  return {
    async save(grant, now) {
      await sql.query(insertGrantSql(1), grantRow(grant, now));
    },

    async get(id) {
      const rows = await sql.query<{ content: string; revoked: boolean }>(GET_GRANT, [id]);
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

    async listActiveForUser(userId, now) {
      // Epoch milliseconds as float8: both drivers hand back a plain number.
      const rows = await sql.query<{ content: string; created_ms: number }>(
        `SELECT g.content::text AS content, (extract(epoch FROM g.created_at) * 1000)::float8 AS created_ms
           FROM auth_grant g
          WHERE g.user_id = $1 AND g.revoked_at IS NULL
            AND (EXISTS (SELECT 1 FROM access_token a WHERE a.grant_id = g.id AND a.expires_at > $2)
              OR EXISTS (SELECT 1 FROM refresh_token r WHERE r.grant_id = g.id AND r.rotated_at IS NULL AND r.expires_at > $2))
          ORDER BY g.created_at DESC, g.id`,
        [userId, now.toISOString()],
      );
      return rows.map((row) => ({ grant: JSON.parse(row.content) as Grant, createdAt: new Date(Number(row.created_ms)) }));
    },

    async isActive(grantId) {
      const rows = await sql.query<{ revoked: boolean }>(GRANT_REVOKED, [grantId]);
      return rows[0] !== undefined && !rows[0].revoked;
    },
  };
}
