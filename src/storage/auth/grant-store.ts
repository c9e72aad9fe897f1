import type { Grant } from '../../auth/grants/grant.ts';
import type { GrantStore } from '../../auth/grants/grant-store.ts';
import type { SqlClient } from '../database.ts';
import { prepared } from '../prepared-statement.ts';
import { isInactive } from './standing.ts';
import { DEFAULT_TENANT } from '../../auth/tenants/tenant.ts';

/**
 * Stores new grants under the current standing of their Client and User (migration 017), each a row of `rows`
 * (a FROM item named `n` with columns id, client_id, user_id, content, created_at), returning their ids. Nothing
 * is stored, and no id returned, for a grant whose Client or User is missing or inactive, which comes from a code
 * issued under another standing of either, or whose id is taken (a tombstone: the code was replayed). One
 * statement reads and records the standing, so a deactivation committed after it still ends the grant, and one
 * committed before it leaves nothing stored.
 */
export function insertGrantsSql(rows: string): string {
  return `INSERT INTO auth_grant (id, client_id, user_id, content, created_at, client_standing, user_standing)
    SELECT n.id, c.id, u.id, n.content::jsonb, n.created_at, c.standing, u.standing
      FROM ${rows} JOIN auth_client c ON c.id = n.client_id LEFT JOIN auth_user u ON u.id = n.user_id
     WHERE NOT ${isInactive('c')}
       AND (n.user_id IS NULL OR (u.id IS NOT NULL AND NOT ${isInactive('u')}))
       AND NOT EXISTS (SELECT 1 FROM authorization_code a WHERE a.grant_id = n.id
             AND (a.client_standing IS DISTINCT FROM c.standing OR a.user_standing IS DISTINCT FROM u.standing))
    ON CONFLICT (id) DO NOTHING
    RETURNING id`;
}

/** insertGrantsSql for one grant, its five values (grantRow) from `$first` on. */
export function insertGrantSql(first: number): string {
  const [id, client, user, content, createdAt] = [0, 1, 2, 3, 4].map((i) => `$${first + i}`);
  return insertGrantsSql(
    `(SELECT ${id}::text AS id, ${client}::text AS client_id, ${user}::text AS user_id, ${content}::jsonb AS content, ${createdAt}::timestamptz AS created_at) n`,
  );
}

/** The values of insertGrantSql, in order. */
export function grantRow(grant: Grant, now: Date): unknown[] {
  return [grant.id, grant.clientId, grant.userId ?? null, JSON.stringify(grant), now.toISOString()];
}

/** A grant (`g`) with its Client (`c`) and User (`u`), each joined only while it keeps the standing the grant recorded. */
export const GRANT_WITH_PARTIES = `auth_grant g
  LEFT JOIN auth_client c ON c.id = g.client_id AND c.standing = g.client_standing
  LEFT JOIN auth_user u ON u.id = g.user_id AND u.standing = g.user_standing`;
/** The grant stands: not revoked, its Client (and, for a user's grant, its User) neither deactivated nor deleted since. */
export const STANDS = '(g.revoked_at IS NULL AND c.id IS NOT NULL AND (g.user_id IS NULL OR u.id IS NOT NULL))';

/** The grant still gives access at `now`: an unexpired access token, or an unexpired, unspent refresh token. */
const givesAccess = (now: string) => `(EXISTS (SELECT 1 FROM access_token a WHERE a.grant_id = g.id AND a.expires_at > ${now})
  OR EXISTS (SELECT 1 FROM refresh_token r WHERE r.grant_id = g.id AND r.rotated_at IS NULL AND r.expires_at > ${now}))`;
const GIVES_ACCESS = givesAccess('$1');

const GET_GRANT = prepared(`SELECT g.content::text AS content, NOT ${STANDS} AS revoked FROM ${GRANT_WITH_PARTIES} WHERE g.id = $1`);
// The FHIR API's question: three primary-key lookups, and no Client or User content read.
const GRANT_STANDS = prepared(`SELECT ${STANDS} AS stands FROM ${GRANT_WITH_PARTIES} WHERE g.id = $1`);
const INSERT_GRANT = prepared(insertGrantSql(1));

/** PostgreSQL implementation of the grant store (migrations 008 and 017). */
export function createGrantStore(sql: SqlClient): GrantStore {
  return {
    async save(grant, now) {
      return (await sql.query(INSERT_GRANT, grantRow(grant, now))).length > 0;
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
           FROM ${GRANT_WITH_PARTIES}
          WHERE g.user_id = $1 AND ${STANDS} AND ${givesAccess('$2')}
          ORDER BY g.created_at DESC, g.id`,
        [userId, now.toISOString()],
      );
      return rows.map((row) => ({ grant: JSON.parse(row.content) as Grant, createdAt: new Date(Number(row.created_ms)) }));
    },

    async listActive(filter, now, page) {
      const params: unknown[] = [now.toISOString()];
      const param = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      const where = [STANDS, GIVES_ACCESS];
      // A grant made before tenants records none: the default tenant's.
      if (filter.tenant !== undefined) where.push(`coalesce(g.content->>'tenant', ${param(DEFAULT_TENANT)}) = ${param(filter.tenant)}`);
      if (filter.clientId !== undefined) where.push(`g.client_id = ${param(filter.clientId)}`);
      if (filter.user !== undefined) {
        const user = param(filter.user);
        where.push(`(u.id = ${user} OR lower(u.content->>'email') = lower(${user}))`);
      }
      const from = `${GRANT_WITH_PARTIES} WHERE ${where.join(' AND ')}`;
      const [count] = await sql.query<{ n: number | string }>(`SELECT count(*) AS n FROM ${from}`, params);
      const rows = await sql.query<{ content: string; created_ms: number }>(
        `SELECT g.content::text AS content, (extract(epoch FROM g.created_at) * 1000)::float8 AS created_ms
           FROM ${from}
          ORDER BY g.created_at DESC, g.id
          LIMIT ${param(page.count)} OFFSET ${param(page.offset)}`,
        params,
      );
      return { total: Number(count?.n ?? 0), grants: rows.map((row) => ({ grant: JSON.parse(row.content) as Grant, createdAt: new Date(Number(row.created_ms)) })) };
    },

    async isActive(grantId) {
      const rows = await sql.query<{ stands: boolean }>(GRANT_STANDS, [grantId]);
      return rows[0]?.stands === true;
    },
  };
}
