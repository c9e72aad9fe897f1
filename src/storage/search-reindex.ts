import type { Resource } from '../fhir/resource.ts';
import type { SearchIndexRows } from '../fhir/search/index-rows.ts';
import type { Database } from './database.ts';
import { replaceIndexRowsOfType } from './search-index-writer.ts';

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
      // A batch is of one tenant and one type, so that every statement finds its rows by `id = ANY` in an index.
      const [first] = await tx.query<{ tenant: string; resource_type: string }>('SELECT tenant, resource_type FROM search_reindex LIMIT 1 FOR UPDATE SKIP LOCKED');
      if (!first) return 0; // none left, or all taken by processes re-indexing them
      const ids = (await tx.query<{ id: string }>(
        `DELETE FROM search_reindex WHERE tenant = $1 AND resource_type = $2 AND id = ANY(ARRAY(
           SELECT id FROM search_reindex WHERE tenant = $1 AND resource_type = $2 LIMIT ${BATCH} FOR UPDATE SKIP LOCKED))
         RETURNING id`,
        [first.tenant, first.resource_type],
      )).map((q) => q.id);
      const rows = await tx.query<{ id: string; content: string }>(
        `SELECT r.id, r.content::text AS content FROM resource r
          WHERE r.tenant = $1 AND r.resource_type = $2 AND r.id = ANY($3::text[]) AND NOT r.deleted FOR UPDATE`,
        [first.tenant, first.resource_type, ids],
      );
      await replaceIndexRowsOfType(tx, first.tenant, first.resource_type, ids, rows.map((r) => ({
        resourceType: first.resource_type,
        id: r.id,
        rows: indexResource(JSON.parse(r.content) as Resource),
      })));
      return ids.length;
    });
    if (count === 0) return done;
    done += count;
  }
}
