import { InvalidAuditCursor, type ConsoleTrail } from '../../auth/console/console-audit.ts';
import { FhirError } from '../../fhir/outcome.ts';
import type { SqlClient } from '../database.ts';
import { storageTenant } from '../tenant-key.ts';
import { createTrailSearch } from './audit-log-store.ts';
import { verifyAuditChains } from './audit-verify.ts';

/**
 * The admin console's view of the trail (the ConsoleTrail port): the FHIR AuditEvent search's own query builder
 * and keyset paging (audit-log-store.ts), and `portico audit verify`'s walk of the chains (audit-verify.ts).
 */
export function createConsoleTrailStore(sql: SqlClient): ConsoleTrail {
  const at = (tenant: string | undefined) => createTrailSearch(sql, tenant === undefined ? {} : { tenant: storageTenant(tenant) });
  return {
    async search(tenant, query) {
      try {
        const { entries, next } = await at(tenant).search(query);
        return { entries, ...(next !== undefined ? { next } : {}) };
      } catch (err) {
        // The only FHIR error the search raises: a page token it did not write.
        if (err instanceof FhirError) throw new InvalidAuditCursor(err.message);
        throw err;
      }
    },
    read: (tenant, id) => at(tenant).read(id),
    verify: (tenant) => verifyAuditChains(sql, tenant === undefined ? {} : { tenant }),
  };
}
