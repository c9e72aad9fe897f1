import { publicUser, type User } from '../../auth/users/user.ts';
import type { UserSearch } from '../../auth/console/user-search.ts';
import type { Stored } from '../../auth/registry/registry-repository.ts';
import type { SqlClient } from '../database.ts';
import { isInactive } from './standing.ts';

/** Everything a User is found by: email, id, and the name in either of its shapes (a string, or its parts). */
const SEARCHED = `concat_ws(' ', u.id, u.content->>'email',
  CASE WHEN jsonb_typeof(u.content->'name') = 'string' THEN u.content->>'name' END,
  u.content->'name'->>'formatted', u.content->'name'->>'givenName', u.content->'name'->>'familyName')`;

/** LIKE's own characters taken literally (with ESCAPE '\'). */
const literal = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The admin console's search of Users (migration 004's auth_user), both drivers. */
export function createUserSearchStore(sql: SqlClient): UserSearch {
  return {
    async search({ text, role, active, tenant, count, offset }) {
      // Each filter is a bound parameter; only their fixed SQL text is joined.
      const filters: string[] = [];
      const values: unknown[] = [];
      if (text !== undefined && text.trim() !== '') filters.push(`${SEARCHED} ILIKE $${values.push(`%${literal(text.trim())}%`)} ESCAPE '\\'`);
      if (role !== undefined) filters.push(`COALESCE(u.content->'roles', '[]'::jsonb) ? $${values.push(role)}`);
      if (active !== undefined) filters.push(active ? `NOT ${isInactive('u')}` : isInactive('u'));
      if (tenant !== undefined) filters.push(`u.tenant = $${values.push(tenant)}`);
      const where = filters.length ? ` WHERE ${filters.join(' AND ')}` : '';
      const [rows, totals] = await Promise.all([
        sql.query<{ content: string }>(
          `SELECT u.content::text AS content FROM auth_user u${where}
            ORDER BY lower(u.content->>'email') NULLS LAST, u.id LIMIT $${values.length + 1} OFFSET $${values.length + 2}`,
          [...values, count, offset],
        ),
        sql.query<{ total: string | number }>(`SELECT count(*) AS total FROM auth_user u${where}`, values),
      ]);
      return { resources: rows.map((r) => publicUser(JSON.parse(r.content) as Stored<User>)), total: Number(totals[0]?.total ?? 0) };
    },
  };
}
