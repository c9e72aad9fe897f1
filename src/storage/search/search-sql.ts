import type { ResourceRecord } from '../../fhir/resource.ts';
import type { NdjsonPage, SearchRequest, SearchResult } from '../../fhir/search/search-request.ts';
import type { SqlClient } from '../database.ts';
import { RECORD_COLUMNS, toRecord, type ResourceRow } from '../resource-row.ts';
import { conditionSql, matchingIdsSql } from './condition-sql.ts';
import { includeResources } from './include-sql.ts';
import { decodePageToken, encodePageToken, type PageToken } from './page-token.ts';
import { keysetSql, orderBy, sortColumns, type SortColumn } from './sort-sql.ts';
import { SqlParams } from './sql-params.ts';

/** A page row with its sort keys as text (`c0`…), for the next/previous page tokens. */
type PageRow = ResourceRow & Record<`c${number}`, string | null>;

/** A page of matches as the rows came: unparsed, with the tokens of the pages either side. */
interface RowPage {
  rows: ResourceRow[];
  next?: string;
  previous?: string;
}

/** A keyset page query, built but not run: its SQL and parameters, and how to read its rows. */
interface PageQuery {
  text: string;
  params: SqlParams;
  columns: SortColumn[];
  /** The page token of `direction` at `row` (its `c0`… sort keys). */
  token(direction: 'next' | 'previous', row: Record<`c${number}`, string | null> | undefined): string;
  backward: boolean;
  cursor: PageToken | undefined;
}

/**
 * One keyset page of a search's matches (on the sort keys + type + id), at most `limit` rows; `$1`
 * is the tenant, and more parameters may follow on `params`. Each row carries `rowColumns` (over
 * the match `m`: `resource r`'s columns), then its sort keys (`k0`…, `withKeys`) and the same as
 * text (`c0`…) for page tokens.
 */
function pageQuery(tenant: string, request: SearchRequest, rowColumns: string, limit: number, withKeys = false): PageQuery {
  const p = new SqlParams();
  p.add(tenant);
  const where = matchWhere(request, p);
  const columns = sortColumns(request.sort, p);
  const sortSignature = (request.sort ?? []).map((s) => `${s.descending ? '-' : ''}${s.kind === 'param' ? s.param : s.kind}`).join(',');
  const cursor = request.cursor === undefined ? undefined : decodePageToken(request.cursor, sortSignature, columns.length);
  const backward = cursor?.direction === 'previous';
  const keyset = cursor ? `WHERE ${keysetSql(columns, cursor.keys, backward, p)}` : '';
  const keys = columns.map((_, i) => `${withKeys ? `k${i}, ` : ''}k${i}::text AS c${i}`).join(', ');
  const text = `SELECT ${rowColumns}, ${keys} FROM (
       SELECT r.resource_type, r.id, r.version_id, r.deleted, r.content, ${columns.map((c, i) => `${c.expression} AS k${i}`).join(', ')}
         FROM resource r WHERE ${where}
     ) m ${keyset}
     ORDER BY ${orderBy(columns, backward)} LIMIT ${p.add(limit, 'integer')}`;
  const token = (direction: 'next' | 'previous', row: Record<`c${number}`, string | null> | undefined) =>
    encodePageToken({ direction, keys: columns.map((_, i) => row?.[`c${i}`] ?? null), sort: sortSignature });
  return { text, params: p, columns, token, backward, cursor };
}

/** One keyset page of a search's matches, with the tokens of the pages either side. */
async function searchPage(sql: SqlClient, tenant: string, request: SearchRequest, rowColumns: string): Promise<RowPage> {
  const query = pageQuery(tenant, request, rowColumns, request.count + 1);
  const rows = await sql.query<PageRow>(query.text, query.params.values);
  const more = rows.length > request.count;
  const page = rows.slice(0, request.count);
  if (query.backward) page.reverse();
  const first = page[0];
  const last = page[page.length - 1];
  const result: RowPage = { rows: page };
  if (query.backward) {
    if (more && first) result.previous = query.token('previous', first);
    if (last) result.next = query.token('next', last);
  } else {
    if (more && last) result.next = query.token('next', last);
    if (query.cursor && first) result.previous = query.token('previous', first);
  }
  return result;
}

/**
 * Compiles a typed SearchRequest to SQL and runs it: one statement for the page of matches
 * (keyset-paged on the sort keys + type + id), a count only when a total is wanted and not
 * already known, and one statement per include rule.
 */
export async function searchResources(sql: SqlClient, tenant: string, request: SearchRequest): Promise<SearchResult> {
  let matches: ResourceRecord[] = [];
  let next: string | undefined;
  let previous: string | undefined;
  const cursor = request.cursor;
  if (request.count > 0) {
    const page = await searchPage(sql, tenant, request, RECORD_COLUMNS);
    matches = page.rows.map(toRecord);
    next = page.next;
    previous = page.previous;
  }

  let total: number | undefined;
  if (request.total !== 'none') {
    if (cursor === undefined && request.count > 0 && matches.length < request.count) total = matches.length;
    else {
      const q = new SqlParams();
      q.add(tenant);
      const rows = await sql.query<{ n: string | number }>(`SELECT count(*) AS n FROM resource r WHERE ${matchWhere(request, q)}`, q.values);
      total = Number(rows[0]?.n ?? 0);
    }
  }

  const inclusion = request.include?.length && matches.length > 0 ? await includeResources(sql, tenant, matches, request.include, request.includeLimit) : undefined;
  return {
    matches,
    included: inclusion?.included ?? [],
    ...(inclusion?.cut ? { includesCut: true } : {}),
    ...(total !== undefined ? { total } : {}),
    ...(next ? { next } : {}),
    ...(previous ? { previous } : {}),
  };
}

/**
 * A page of a search's matches as NDJSON, their stored JSON text unparsed (no includes, no total):
 * one string for the page, which bulk export writes out as it is.
 */
export async function searchResourceNdjson(sql: SqlClient, tenant: string, request: SearchRequest): Promise<NdjsonPage> {
  const page = await searchPage(sql, tenant, request, 'content::text AS content');
  const ndjson = page.rows.length === 0 ? '' : `${page.rows.map((r) => r.content).join('\n')}\n`;
  return { ndjson, count: page.rows.length, ...(page.next ? { next: page.next } : {}) };
}

/** A forward page of stored JSON text, as SQL to run inside another statement (bulk export copies). */
export interface StoredTextPageQuery {
  /** Rows `content` (the stored JSON text), `k0`… (sort keys) and `c0`… (sort keys as text); at most `request.count`. */
  text: string;
  /** `$1` is the tenant; add the enclosing statement's parameters after these. */
  params: SqlParams;
  /** The page order over the rows' `k0`…: forward, and reversed (its first row is the page's last). */
  order: string;
  reverse: string;
  /** How many sort keys (`c0`…) a row has. */
  keyCount: number;
  /** The next page's token, from the page's last row (its `c0`…). */
  next(row: Record<`c${number}`, string | null>): string;
}

export function storedTextPageQuery(tenant: string, request: SearchRequest): StoredTextPageQuery {
  const query = pageQuery(tenant, request, 'content::text AS content', request.count, true);
  // A previous-page token would read its rows in reverse order.
  if (query.backward) throw new Error('a stored-text page copy reads forward only');
  return {
    text: query.text,
    params: query.params,
    order: orderBy(query.columns, false),
    reverse: orderBy(query.columns, true),
    keyCount: query.columns.length,
    next: (row) => query.token('next', row),
  };
}

/**
 * The WHERE clause selecting every live match over `resource r`. In a type search the first
 * condition that can drive becomes `r.id = ANY(ARRAY(…))` — found once through the value
 * indexes, then looked up by primary key; the others are checked per candidate row.
 */
function matchWhere(request: SearchRequest, p: SqlParams): string {
  const clauses = ['r.tenant = $1', 'NOT r.deleted'];
  const conditions = [...(request.conditions ?? [])];
  if (request.resourceType) {
    const type = p.add(request.resourceType);
    clauses.push(`r.resource_type = ${type}`);
    // `_id` drives best; otherwise the first condition that can.
    const order = [...conditions.filter((c) => c.kind === 'id'), ...conditions.filter((c) => c.kind !== 'id')];
    for (const condition of order) {
      const ids = matchingIdsSql(condition, `= ${type}`, p);
      if (!ids) continue;
      clauses.push(`r.id = ANY(ARRAY(${ids}))`);
      conditions.splice(conditions.indexOf(condition), 1);
      break;
    }
  } else if (request.types?.length) clauses.push(`r.resource_type = ANY(${p.add(request.types, 'text[]')})`);
  for (const condition of conditions) {
    clauses.push(conditionSql(condition, { type: 'r.resource_type', id: 'r.id', resource: 'r' }, p));
  }
  return clauses.join(' AND ');
}
