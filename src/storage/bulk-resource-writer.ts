import type { Resource } from '../fhir/resource.ts';
import type { SearchIndexRows } from '../fhir/search/index-rows.ts';
import type { SqlClient } from './database.ts';

/**
 * The bulk write path for generated data (`portico seed`): a batch of new resources is prepared
 * (`prepareBulkInsert`, no database) and then inserted (`insertPrepared`) in two statements — one to find ids that already exist (skipped: re-writes are idempotent), one
 * inserting the current rows, the first versions and every search-index row from column arrays.
 * Produces exactly what ResourceWriter.save(mode 'update') would for a new id.
 */
export interface BulkWriteOptions {
  tenant: string;
  indexResource: (resource: Resource) => SearchIndexRows;
  now: () => Date;
}

type Column = { name: string; type: 'text' | 'timestamptz' | 'numeric'; pick: (row: never) => string | null };

// Keep in step with search-index-writer.ts (the per-resource path).
const INDEX_COLUMNS: { [K in keyof SearchIndexRows]: { table: string; columns: Column[] } } = {
  token: { table: 'search_token', columns: cols<SearchIndexRows['token'][number]>([['param', 'text', (r) => r.param], ['system', 'text', (r) => r.system], ['code', 'text', (r) => r.code], ['display', 'text', (r) => r.display]]) },
  string: { table: 'search_string', columns: cols<SearchIndexRows['string'][number]>([['param', 'text', (r) => r.param], ['value', 'text', (r) => r.value], ['raw', 'text', (r) => r.raw]]) },
  reference: { table: 'search_reference', columns: cols<SearchIndexRows['reference'][number]>([['param', 'text', (r) => r.param], ['target_type', 'text', (r) => r.targetType], ['target_id', 'text', (r) => r.targetId], ['target_url', 'text', (r) => r.targetUrl]]) },
  date: { table: 'search_date', columns: cols<SearchIndexRows['date'][number]>([['param', 'text', (r) => r.param], ['low', 'timestamptz', (r) => r.low], ['high', 'timestamptz', (r) => r.high]]) },
  number: { table: 'search_number', columns: cols<SearchIndexRows['number'][number]>([['param', 'text', (r) => r.param], ['value', 'numeric', (r) => r.value], ['low', 'numeric', (r) => r.low], ['high', 'numeric', (r) => r.high]]) },
  quantity: { table: 'search_quantity', columns: cols<SearchIndexRows['quantity'][number]>([['param', 'text', (r) => r.param], ['value', 'numeric', (r) => r.value], ['low', 'numeric', (r) => r.low], ['high', 'numeric', (r) => r.high], ['system', 'text', (r) => r.system], ['code', 'text', (r) => r.code], ['unit', 'text', (r) => r.unit]]) },
  uri: { table: 'search_uri', columns: cols<SearchIndexRows['uri'][number]>([['param', 'text', (r) => r.param], ['value', 'text', (r) => r.value]]) },
};

function cols<R>(spec: [string, Column['type'], (row: R) => string | null][]): Column[] {
  return spec.map(([name, type, pick]) => ({ name, type, pick: pick as (row: never) => string | null }));
}

/** A batch made ready to insert: stamped, serialised and indexed (the CPU-heavy part, no database). */
export interface PreparedBatch {
  tenant: string;
  lastUpdated: string;
  resources: { type: string; id: string; content: string; index: SearchIndexRows }[];
}

/** Resources prepared between turns of the event loop, so a transaction in flight keeps moving. */
const PREPARE_SLICE = 100;

/**
 * Stamps, serialises and indexes a batch, outside any transaction and yielding to the event loop
 * every few resources: the previous batch's statements go on meanwhile, so CPU and database overlap.
 */
export async function prepareBulkInsert(resources: Resource[], options: BulkWriteOptions): Promise<PreparedBatch> {
  const lastUpdated = options.now().toISOString();
  const prepared: PreparedBatch['resources'] = [];
  for (const [i, resource] of resources.entries()) {
    if (i > 0 && i % PREPARE_SLICE === 0) await new Promise((resolve) => setImmediate(resolve));
    const stamped: Resource = { ...resource, meta: { ...resource.meta, versionId: '1', lastUpdated } };
    prepared.push({ type: resource.resourceType, id: resource.id ?? '', content: JSON.stringify(stamped), index: options.indexResource(stamped) });
  }
  return { tenant: options.tenant, lastUpdated, resources: prepared };
}

/** Inserts the prepared resources that do not exist yet; returns how many it wrote. */
export async function insertPrepared(sql: SqlClient, batch: PreparedBatch): Promise<number> {
  if (batch.resources.length === 0) return 0;
  const { tenant, lastUpdated } = batch;
  const existing = await sql.query<{ resource_type: string; id: string }>(
    `SELECT r.resource_type, r.id FROM resource r
       JOIN unnest($2::text[], $3::text[]) AS u(t, i) ON r.resource_type = u.t AND r.id = u.i
      WHERE r.tenant = $1`,
    [tenant, batch.resources.map((r) => r.type), batch.resources.map((r) => r.id)],
  );
  const skip = new Set(existing.map((r) => `${r.resource_type}/${r.id}`));
  const fresh = batch.resources.filter((r) => !skip.has(`${r.type}/${r.id}`));
  if (fresh.length === 0) return 0;

  const types: string[] = [];
  const ids: string[] = [];
  const contents: string[] = [];
  const index: { [K in keyof SearchIndexRows]: { types: string[]; ids: string[]; rows: SearchIndexRows[K] } } = {
    token: { types: [], ids: [], rows: [] },
    string: { types: [], ids: [], rows: [] },
    reference: { types: [], ids: [], rows: [] },
    date: { types: [], ids: [], rows: [] },
    number: { types: [], ids: [], rows: [] },
    quantity: { types: [], ids: [], rows: [] },
    uri: { types: [], ids: [], rows: [] },
  };
  for (const resource of fresh) {
    types.push(resource.type);
    ids.push(resource.id);
    contents.push(resource.content);
    for (const key of Object.keys(index) as (keyof SearchIndexRows)[]) {
      const target = index[key];
      for (const row of resource.index[key]) {
        target.types.push(resource.type);
        target.ids.push(resource.id);
        (target.rows as unknown[]).push(row);
      }
    }
  }

  const params: unknown[] = [tenant, types, ids, lastUpdated, contents];
  const ctes = [
    `r AS (INSERT INTO resource (tenant, resource_type, id, version_id, last_updated, deleted, content)
       SELECT $1, t, i, 1, $4::timestamptz, false, c::jsonb FROM unnest($2::text[], $3::text[], $5::text[]) AS u(t, i, c))`,
    `v AS (INSERT INTO resource_version (tenant, resource_type, id, version_id, last_updated, deleted, method, content)
       SELECT $1, t, i, 1, $4::timestamptz, false, 'PUT', NULL::jsonb FROM unnest($2::text[], $3::text[]) AS u(t, i))`, // content kept once, in resource (migration 014)
  ];
  for (const key of Object.keys(index) as (keyof SearchIndexRows)[]) {
    const { types: rowTypes, ids: rowIds, rows } = index[key];
    if (rows.length === 0) continue;
    const spec = INDEX_COLUMNS[key];
    params.push(rowTypes, rowIds);
    const arrays = [`$${params.length - 1}::text[]`, `$${params.length}::text[]`];
    for (const column of spec.columns) {
      params.push((rows as never[]).map((row) => column.pick(row)));
      arrays.push(`$${params.length}::${column.type}[]`);
    }
    ctes.push(
      `i_${key} AS (INSERT INTO ${spec.table} (tenant, resource_type, id, ${spec.columns.map((c) => c.name).join(', ')})
         SELECT $1, * FROM unnest(${arrays.join(', ')}))`,
    );
  }
  await sql.query(`WITH ${ctes.join(',\n')} SELECT 1`, params);
  return fresh.length;
}
