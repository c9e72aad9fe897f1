import type { ResourceRecord } from '../../fhir/resource.ts';
import type { IncludeRule } from '../../fhir/search/search-request.ts';
import type { SqlClient } from '../database.ts';
import { toRecord, type ResourceRow } from '../resource-row.ts';
import { localTarget } from './condition-sql.ts';
import { SqlParams } from './sql-params.ts';

const COLUMNS = 't.resource_type, t.id, t.version_id, t.deleted, t.content::text AS content';
/** Iterations of `:iterate` rules beyond the first round (guards against reference cycles). */
const MAX_ITERATIONS = 3;
/** Upper bound of resources one include rule may add to a page, unless the request says otherwise. */
const MAX_PER_RULE = 10_000;

/** What the include rules added, and whether a rule found more than it may add (then some are left out). */
export interface Inclusion {
  included: ResourceRecord[];
  cut: boolean;
}

/**
 * `_include` / `_revinclude` (FHIR R4 search.html#include): one query per rule per round,
 * never per resource. `:iterate` rules run again on what the previous round added.
 */
export async function includeResources(
  sql: SqlClient,
  tenant: string,
  matches: ResourceRecord[],
  rules: IncludeRule[],
  limit = MAX_PER_RULE,
): Promise<Inclusion> {
  const seen = new Set(matches.map((r) => `${r.resourceType}/${r.id}`));
  const included: ResourceRecord[] = [];
  let cut = false;
  let sources = matches;
  for (let round = 0; round <= MAX_ITERATIONS && sources.length > 0; round++) {
    const found: ResourceRecord[] = [];
    for (const rule of rules) {
      if (round > 0 && !rule.iterate) continue;
      const records = await runRule(sql, tenant, sources, rule, limit);
      // One row past the bound is asked for, only to know that the bound cut something.
      if (records.length > limit) {
        cut = true;
        records.length = limit;
      }
      for (const record of records) {
        const key = `${record.resourceType}/${record.id}`;
        if (seen.has(key)) continue;
        seen.add(key);
        found.push(record);
      }
    }
    included.push(...found);
    sources = found;
  }
  return { included, cut };
}

async function runRule(sql: SqlClient, tenant: string, sources: ResourceRecord[], rule: IncludeRule, limit: number): Promise<ResourceRecord[]> {
  const p = new SqlParams();
  p.add(tenant);
  let query: string;
  if (!rule.reverse) {
    const ids = sources.filter((r) => r.resourceType === rule.sourceType).map((r) => r.id);
    if (ids.length === 0) return [];
    const filters = [
      `x.resource_type = ${p.add(rule.sourceType)}`,
      `x.id = ANY(${p.add(ids, 'text[]')})`,
      'x.target_type IS NOT NULL AND x.target_id IS NOT NULL',
      localTarget('x', rule.baseUrl, p),
    ];
    if (rule.param) filters.push(`x.param = ${p.add(rule.param)}`);
    if (rule.targetType) filters.push(`x.target_type = ${p.add(rule.targetType)}`);
    // Targets found once through the owner index, then fetched by primary key (no join planning).
    query = `WITH targets AS MATERIALIZED (
        SELECT DISTINCT x.target_type, x.target_id FROM search_reference x WHERE x.tenant = $1 AND ${filters.join(' AND ')})
      SELECT ${COLUMNS} FROM resource t WHERE t.tenant = $1 AND NOT t.deleted
        AND t.resource_type = ANY(ARRAY(SELECT target_type FROM targets)) AND t.id = ANY(ARRAY(SELECT target_id FROM targets))
        AND (t.resource_type, t.id) IN (SELECT target_type, target_id FROM targets)`;
  } else {
    const targets = sources.filter((r) => !rule.targetType || r.resourceType === rule.targetType);
    if (targets.length === 0) return [];
    const filters = [
      `x.resource_type = ${p.add(rule.sourceType)}`,
      `x.target_type = ANY(${p.add([...new Set(targets.map((r) => r.resourceType))], 'text[]')})`,
      `x.target_id = ANY(${p.add(targets.map((r) => r.id), 'text[]')})`,
      `(x.target_type || '/' || x.target_id) = ANY(${p.add(targets.map((r) => `${r.resourceType}/${r.id}`), 'text[]')})`,
      localTarget('x', rule.baseUrl, p),
    ];
    if (rule.param) filters.push(`x.param = ${p.add(rule.param)}`);
    query = `SELECT ${COLUMNS} FROM resource t WHERE t.tenant = $1 AND NOT t.deleted AND t.resource_type = $2 AND t.id = ANY(ARRAY(
      SELECT x.id FROM search_reference x WHERE x.tenant = $1 AND ${filters.join(' AND ')}))`;
  }
  const rows = await sql.query<ResourceRow>(`${query} ORDER BY t.resource_type, t.id LIMIT ${limit + 1}`, p.values);
  return rows.map(toRecord);
}
