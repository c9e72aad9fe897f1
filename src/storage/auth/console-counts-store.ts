import { CLIENT_STATUSES, type ClientStatus } from '../../auth/clients/client-repository.ts';
import type { ConsoleCounts } from '../../auth/console/dashboard.ts';
import { DEFAULT_TENANT } from '../../endpoints.ts';
import type { SqlClient } from '../database.ts';
import { GRANT_WITH_PARTIES, STANDS } from './grant-store.ts';

/**
 * The dashboard's counts, each one statement: Clients by review status (absent: approved, client-repository.ts
 * isApproved) and the grants that still give access, as grant-store.ts listActiveForUser decides it for one user.
 * A Client's tenant is its `tenant` column (migration 018); a grant's, the issuer it was made at (Grant.tenant).
 */
export function createConsoleCountsStore(sql: SqlClient): ConsoleCounts {
  return {
    async appsByStatus(tenant) {
      const rows = await sql.query<{ status: string; n: string | number }>(
        `SELECT coalesce(content->>'status', 'approved') AS status, count(*) AS n FROM auth_client
          WHERE ($1::text IS NULL OR tenant = $1) GROUP BY 1`,
        [tenant ?? null],
      );
      const counts = Object.fromEntries(CLIENT_STATUSES.map((s) => [s, 0])) as Record<ClientStatus, number>;
      for (const row of rows) if ((CLIENT_STATUSES as readonly string[]).includes(row.status)) counts[row.status as ClientStatus] += Number(row.n);
      return counts;
    },
    async activeGrants(tenant, now) {
      const [row] = await sql.query<{ n: string | number }>(
        `SELECT count(*) AS n FROM ${GRANT_WITH_PARTIES}
          WHERE ${STANDS} AND ($1::text IS NULL OR coalesce(g.content->>'tenant', $3) = $1)
            AND (EXISTS (SELECT 1 FROM access_token a WHERE a.grant_id = g.id AND a.expires_at > $2)
              OR EXISTS (SELECT 1 FROM refresh_token r WHERE r.grant_id = g.id AND r.rotated_at IS NULL AND r.expires_at > $2))`,
        [tenant ?? null, now.toISOString(), DEFAULT_TENANT],
      );
      return Number(row?.n ?? 0);
    },
  };
}
