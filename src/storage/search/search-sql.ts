import type { SearchRequest, SearchResult } from '../../fhir/search/search-request.ts';
import type { SqlClient } from '../database.ts';
import { RECORD_COLUMNS, toRecord, type ResourceRow } from '../resource-row.ts';

/**
 * Compiles a typed SearchRequest to SQL and runs it.
 * Placeholder until the search engine lands: lists live resources of the type by id.
 */
export async function searchResources(sql: SqlClient, tenant: string, request: SearchRequest): Promise<SearchResult> {
  const params: unknown[] = [tenant];
  let where = 'tenant = $1 AND NOT deleted';
  if (request.resourceType) {
    params.push(request.resourceType);
    where += ` AND resource_type = $${params.length}`;
  }
  params.push(request.count);
  const rows = await sql.query<ResourceRow>(
    `SELECT ${RECORD_COLUMNS} FROM resource WHERE ${where}
      ORDER BY resource_type, id LIMIT $${params.length}`,
    params,
  );
  return { matches: rows.map(toRecord), included: [] };
}
