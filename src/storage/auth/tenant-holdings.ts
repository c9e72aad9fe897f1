import type { TenantHoldings } from '../../auth/tenants/tenant.ts';
import type { SqlClient } from '../database.ts';
import { storageTenant } from '../tenant-key.ts';

/**
 * What a tenant holds: the registry rows bound to it (meta._tenant) and its FHIR resources, deleted ones included
 * (their history is still its data).
 */
export function createTenantHoldings(sql: SqlClient): TenantHoldings {
  return async (tenantId) => {
    const rows = await sql.query<{ kind: string; count: string }>(
      `SELECT 'Client' AS kind, count(*) AS count FROM auth_client WHERE tenant = $1
       UNION ALL SELECT 'User', count(*) FROM auth_user WHERE tenant = $1
       UNION ALL SELECT 'AccessPolicy', count(*) FROM auth_access_policy WHERE tenant = $1
       UNION ALL SELECT 'IdentityProvider', count(*) FROM auth_identity_provider WHERE tenant = $1
       UNION ALL SELECT 'FHIR resource', count(*) FROM resource WHERE tenant = $2`,
      [tenantId, storageTenant(tenantId)],
    );
    return rows.map((r) => ({ kind: r.kind, count: Number(r.count) })).filter((r) => r.count > 0);
  };
}
