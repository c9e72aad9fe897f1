import type { SearchIndexRows } from '../fhir/search/index-rows.ts';
import type { SqlClient } from './database.ts';

const INDEX_TABLES = ['token', 'string', 'reference', 'date', 'number', 'quantity', 'uri'] as const;

/** Removes every index row of one resource (all parameter types) in one statement. */
export async function deleteIndexRows(sql: SqlClient, tenant: string, resourceType: string, id: string): Promise<void> {
  const ctes = INDEX_TABLES.map(
    (t) => `d_${t} AS (DELETE FROM search_${t} WHERE tenant = $1 AND resource_type = $2 AND id = $3)`,
  );
  await sql.query(`WITH ${ctes.join(', ')} SELECT 1`, [tenant, resourceType, id]);
}

interface ColumnSpec<R> {
  table: string;
  columns: { name: string; type: 'text' | 'timestamptz' | 'numeric'; pick: (row: R) => string | null }[];
}

const SPECS: { [K in keyof SearchIndexRows]: ColumnSpec<SearchIndexRows[K][number]> } = {
  token: {
    table: 'search_token',
    columns: [
      { name: 'param', type: 'text', pick: (r) => r.param },
      { name: 'system', type: 'text', pick: (r) => r.system },
      { name: 'code', type: 'text', pick: (r) => r.code },
      { name: 'display', type: 'text', pick: (r) => r.display },
    ],
  },
  string: {
    table: 'search_string',
    columns: [
      { name: 'param', type: 'text', pick: (r) => r.param },
      { name: 'value', type: 'text', pick: (r) => r.value },
      { name: 'raw', type: 'text', pick: (r) => r.raw },
    ],
  },
  reference: {
    table: 'search_reference',
    columns: [
      { name: 'param', type: 'text', pick: (r) => r.param },
      { name: 'target_type', type: 'text', pick: (r) => r.targetType },
      { name: 'target_id', type: 'text', pick: (r) => r.targetId },
      { name: 'target_url', type: 'text', pick: (r) => r.targetUrl },
    ],
  },
  date: {
    table: 'search_date',
    columns: [
      { name: 'param', type: 'text', pick: (r) => r.param },
      { name: 'low', type: 'timestamptz', pick: (r) => r.low },
      { name: 'high', type: 'timestamptz', pick: (r) => r.high },
    ],
  },
  number: {
    table: 'search_number',
    columns: [
      { name: 'param', type: 'text', pick: (r) => r.param },
      { name: 'value', type: 'numeric', pick: (r) => r.value },
      { name: 'low', type: 'numeric', pick: (r) => r.low },
      { name: 'high', type: 'numeric', pick: (r) => r.high },
    ],
  },
  quantity: {
    table: 'search_quantity',
    columns: [
      { name: 'param', type: 'text', pick: (r) => r.param },
      { name: 'value', type: 'numeric', pick: (r) => r.value },
      { name: 'low', type: 'numeric', pick: (r) => r.low },
      { name: 'high', type: 'numeric', pick: (r) => r.high },
      { name: 'system', type: 'text', pick: (r) => r.system },
      { name: 'code', type: 'text', pick: (r) => r.code },
      { name: 'unit', type: 'text', pick: (r) => r.unit },
    ],
  },
  uri: {
    table: 'search_uri',
    columns: [
      { name: 'param', type: 'text', pick: (r) => r.param },
      { name: 'value', type: 'text', pick: (r) => r.value },
    ],
  },
};

/**
 * Inserts a resource's index rows: one statement for all parameter types, each table fed
 * by unnest() of column arrays, so a write costs one round trip whatever its row count.
 */
export async function insertIndexRows(
  sql: SqlClient,
  tenant: string,
  resourceType: string,
  id: string,
  rows: SearchIndexRows,
): Promise<void> {
  const params: unknown[] = [tenant, resourceType, id];
  const ctes: string[] = [];
  for (const key of INDEX_TABLES) {
    const list = rows[key] as never[];
    if (list.length === 0) continue;
    const spec = SPECS[key] as ColumnSpec<unknown>;
    const arrays = spec.columns.map((c) => {
      params.push(list.map((r) => c.pick(r)));
      return `$${params.length}::${c.type}[]`;
    });
    ctes.push(
      `i_${key} AS (INSERT INTO ${spec.table} (tenant, resource_type, id, ${spec.columns.map((c) => c.name).join(', ')})
        SELECT $1, $2, $3, * FROM unnest(${arrays.join(', ')}))`,
    );
  }
  if (ctes.length === 0) return;
  await sql.query(`WITH ${ctes.join(', ')} SELECT 1`, params);
}

/** One resource's index, for the writes that replace many at once. */
export interface ResourceIndex {
  resourceType: string;
  id: string;
  rows: SearchIndexRows;
}

/**
 * Replaces the index rows of many resources of one tenant and type (`ids`: those whose rows go; `resources`:
 * the new rows, of those still there): one statement removing the old rows in every table, one inserting
 * the new (column arrays, each row's type and id beside it).
 */
export async function replaceIndexRowsOfType(sql: SqlClient, tenant: string, resourceType: string, ids: string[], resources: ResourceIndex[]): Promise<void> {
  if (ids.length === 0) return;
  const deletes = INDEX_TABLES.map(
    (t) => `d_${t} AS (DELETE FROM search_${t} WHERE tenant = $1 AND resource_type = $2 AND id = ANY($3::text[]))`,
  );
  await sql.query(`WITH ${deletes.join(', ')} SELECT 1`, [tenant, resourceType, ids]);
  const params: unknown[] = [tenant];
  const ctes: string[] = [];
  for (const key of INDEX_TABLES) {
    const owners = resources.flatMap((r) => (r.rows[key] as unknown[]).map((row) => ({ r, row })));
    if (owners.length === 0) continue;
    const spec = SPECS[key] as ColumnSpec<unknown>;
    params.push(owners.map((o) => o.r.resourceType), owners.map((o) => o.r.id));
    const arrays = [`$${params.length - 1}::text[]`, `$${params.length}::text[]`];
    for (const c of spec.columns) {
      params.push(owners.map((o) => c.pick(o.row)));
      arrays.push(`$${params.length}::${c.type}[]`);
    }
    ctes.push(
      `i_${key} AS (INSERT INTO ${spec.table} (tenant, resource_type, id, ${spec.columns.map((c) => c.name).join(', ')})
        SELECT $1, * FROM unnest(${arrays.join(', ')}))`,
    );
  }
  if (ctes.length > 0) await sql.query(`WITH ${ctes.join(', ')} SELECT 1`, params);
}
