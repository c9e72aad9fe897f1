import type { StoredClient } from '../../auth/clients/client-repository.ts';
import { isReviewStatus, type ClientCriteria, type ClientSearch } from '../../auth/clients/client-search.ts';
import { DEFAULT_TENANT } from '../../auth/tenants/tenant.ts';
import type { SqlClient } from '../database.ts';
import { escapeLike, SqlParams } from '../search/sql-params.ts';

/**
 * The console's search of Clients (migration 004's auth_client: its `tenant` column, its JSON content). Every
 * criterion is a bound parameter; only fixed SQL text is joined.
 */
export function createClientSearch(sql: SqlClient): ClientSearch {
  return {
    async search({ criteria, count, offset }) {
      const p = new SqlParams();
      const where = conditions(criteria, p);
      const clause = where.length ? ` WHERE ${where.join(' AND ')}` : '';
      const [rows, totals] = await Promise.all([
        sql.query<{ content: string }>(
          `SELECT content::text AS content FROM auth_client${clause} ORDER BY id LIMIT $${p.values.length + 1} OFFSET $${p.values.length + 2}`,
          [...p.values, count, offset],
        ),
        sql.query<{ total: string | number }>(`SELECT count(*) AS total FROM auth_client${clause}`, p.values),
      ]);
      return { resources: rows.map((r) => JSON.parse(r.content) as StoredClient), total: Number(totals[0]?.total ?? 0) };
    },
  };
}

function conditions(criteria: ClientCriteria, p: SqlParams): string[] {
  const where: string[] = [];
  const name = criteria.nameContains?.trim();
  if (name) {
    const pattern = p.add(`%${escapeLike(name)}%`);
    where.push(`(content->>'name' ILIKE ${pattern} ESCAPE '\\' OR id ILIKE ${pattern} ESCAPE '\\')`);
  }
  if (criteria.type !== undefined) where.push(`content->>'type' = ${p.add(criteria.type)}`);
  const standing = criteria.standing;
  if (standing !== undefined) {
    if (!isReviewStatus(standing)) where.push(`content->'active' = 'false'::jsonb`);
    // No status reads as approved (isApproved).
    else if (standing === 'approved') where.push(`coalesce(content->>'status', 'approved') = 'approved'`);
    else where.push(`content->>'status' = ${p.add(standing)}`);
  }
  // The global Clients are stored under the empty tenant (registry-store.ts).
  if (criteria.tenant !== undefined) where.push(`tenant = ${p.add(criteria.tenant === DEFAULT_TENANT ? '' : criteria.tenant)}`);
  const developer = criteria.developer?.trim();
  if (developer) {
    const who = p.add(developer);
    where.push(
      `(content->>'owner' = 'User/' || ${who} OR content->>'owner' IN (SELECT 'User/' || u.id FROM auth_user u WHERE lower(u.content->>'email') = lower(${who})))`,
    );
  }
  return where;
}
