import type { Resource } from '../fhir/resource.ts';
import type { SearchIndexRows } from '../fhir/search/index-rows.ts';
import type { Database } from './database.ts';
import { replaceIndexRowsOfMany } from './search-index-writer.ts';

/** Resources re-indexed per transaction. */
const BATCH = 500;

/**
 * Recomputes the search index of the resources queued in `search_reindex` (migration 027 queues every
 * resource when the indexer's output changes), a batch per transaction, and returns how many. Run at
 * start, before the FHIR API serves. Processes starting together share the work: each takes queue rows
 * the others have not locked; the resource rows are locked too, so a write running meanwhile (another
 * process already serving) is never overwritten with an older index.
 */
export async function reindexQueued(db: Database, indexResource: (resource: Resource) => SearchIndexRows): Promise<number> {
  let done = 0;
  for (;;) {
    const count = await db.transaction(async (tx) => {
      const queued = await tx.query<{ tenant: string; resource_type: string; id: string }>(
        `DELETE FROM search_reindex q WHERE (q.tenant, q.resource_type, q.id) IN (
           SELECT tenant, resource_type, id FROM search_reindex
            WHERE tenant = (SELECT tenant FROM search_reindex LIMIT 1) LIMIT ${BATCH} FOR UPDATE SKIP LOCKED)
         RETURNING q.tenant, q.resource_type, q.id`,
      );
      const tenant = queued[0]?.tenant;
      if (tenant === undefined) return 0;
      const rows = await tx.query<{ resource_type: string; id: string; content: string }>(
        `SELECT r.resource_type, r.id, r.content::text AS content FROM resource r
           JOIN unnest($2::text[], $3::text[]) AS u(t, i) ON r.resource_type = u.t AND r.id = u.i
          WHERE r.tenant = $1 AND NOT r.deleted FOR UPDATE OF r`,
        [tenant, queued.map((q) => q.resource_type), queued.map((q) => q.id)],
      );
      await replaceIndexRowsOfMany(tx, tenant, rows.map((r) => ({
        resourceType: r.resource_type,
        id: r.id,
        rows: indexResource(JSON.parse(r.content) as Resource),
      })));
      return queued.length;
    });
    if (count === 0) return done;
    done += count;
  }
}
