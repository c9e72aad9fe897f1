import type { AuditFilter, AuditLog, AuditQuery } from '../../fhir/audit/audit-log.ts';
import type { RecordedAuditEvent } from '../../fhir/audit/audit-trail.ts';
import { badRequest } from '../../fhir/outcome.ts';
import type { SqlClient } from '../database.ts';
import { SqlParams } from '../search/sql-params.ts';
import { tenantOfStorage } from '../tenant-key.ts';
import { KEY_COLUMNS } from './audit-columns.ts';

interface EventRow {
  tenant: string;
  resource: RecordedAuditEvent;
  recorded: Date | string;
  chain: string;
  seq: string | number;
}

/** A recorded event and the tenant it was recorded at (its id, as in `/t/{tenant}`). */
export interface TrailEntry {
  tenant: string;
  event: RecordedAuditEvent;
}

/** AuditPage with each event's tenant. */
export interface TrailPage {
  entries: TrailEntry[];
  next?: string;
  total?: number;
}

/** The trail read back by id and by search, over one tenant or (tenant absent) every tenant: the admin console's view. */
export interface TrailSearch {
  read(id: string): Promise<TrailEntry | undefined>;
  search(query: AuditQuery): Promise<TrailPage>;
}

/**
 * One tenant's audit trail read back (the AuditLog port): by id, and searched on the columns migration 021 added,
 * in the order of `recorded` with ties in the order the trail wrote them, keyset-paged on (recorded, chain, seq)
 * (the tenant's index), so a page is as cheap at the millionth event as at the first and events recorded while a
 * client pages (the reads it makes, say) never shift the pages it has yet to fetch.
 */
export function createAuditLog(sql: SqlClient, options: { tenant: string }): AuditLog {
  const trail = createTrailSearch(sql, options);
  return {
    async read(id) {
      return (await trail.read(id))?.event;
    },
    async search(query) {
      const { entries, ...rest } = await trail.search(query);
      return { events: entries.map((e) => e.event), ...rest };
    },
  };
}

/**
 * The same reads and searches (one query builder: `filterSql`, the same keyset paging) over one tenant (its storage
 * key) or, `tenant` absent, every tenant (ordered on migration 022's `recorded` index), each event with its tenant.
 */
export function createTrailSearch(sql: SqlClient, options: { tenant?: string }): TrailSearch {
  const { tenant } = options;
  const entry = (row: Pick<EventRow, 'tenant' | 'resource'>): TrailEntry => ({ tenant: tenantOfStorage(row.tenant), event: row.resource });
  return {
    async read(id) {
      const [row] =
        tenant === undefined
          ? await sql.query<Pick<EventRow, 'tenant' | 'resource'>>('SELECT tenant, resource FROM audit_event WHERE id = $1', [id])
          : await sql.query<Pick<EventRow, 'tenant' | 'resource'>>('SELECT tenant, resource FROM audit_event WHERE id = $1 AND tenant = $2', [id, tenant]);
      return row && entry(row);
    },
    async search(query) {
      const page: TrailPage = { entries: [] };
      const where = (p: SqlParams) => [...(tenant === undefined ? [] : [`tenant = ${p.add(tenant)}`]), ...query.filters.map((f) => filterSql(f, p))].join(' AND ') || 'true';
      if (query.count > 0) {
        const p = new SqlParams();
        const conditions = [where(p)];
        const direction = query.ascending ? 'ASC' : 'DESC';
        if (query.cursor !== undefined) {
          const after = decodeCursor(query.cursor, query.ascending);
          conditions.push(
            `(recorded, chain, seq) ${query.ascending ? '>' : '<'} (${p.add(after.recorded, 'timestamptz')}, ${p.add(after.chain)}, ${p.add(after.seq, 'bigint')})`,
          );
        }
        const rows = await sql.query<EventRow>(
          `SELECT tenant, resource, recorded, chain, seq FROM audit_event WHERE ${conditions.join(' AND ')}
           ORDER BY recorded ${direction}, chain ${direction}, seq ${direction} LIMIT ${p.add(query.count + 1, 'bigint')}`,
          p.values,
        );
        const shown = rows.slice(0, query.count);
        page.entries = shown.map(entry);
        const last = shown[shown.length - 1];
        if (rows.length > query.count && last) page.next = encodeCursor(last, query.ascending);
        if (query.cursor === undefined && rows.length < query.count && !query.total) page.total = shown.length;
      }
      if (query.total) {
        const p = new SqlParams();
        const [row] = await sql.query<{ n: string | number }>(`SELECT count(*) AS n FROM audit_event WHERE ${where(p)}`, p.values);
        page.total = Number(row?.n ?? 0);
      }
      return page;
    },
  };
}

function filterSql(filter: AuditFilter, p: SqlParams): string {
  switch (filter.kind) {
    case 'id':
      return `id = ANY(${p.add(filter.ids, 'text[]')})`;
    case 'keys': {
      const overlap = `${KEY_COLUMNS[filter.column]} && ${p.add(filter.keys, 'text[]')}`;
      return filter.not ? `NOT (${overlap})` : overlap;
    }
    case 'recorded': {
      const bounds = [
        ...(filter.from !== undefined ? [`recorded >= ${p.add(filter.from, 'timestamptz')}`] : []),
        ...(filter.before !== undefined ? [`recorded < ${p.add(filter.before, 'timestamptz')}`] : []),
      ];
      const within = bounds.length > 0 ? `(${bounds.join(' AND ')})` : 'true';
      return filter.not ? `NOT ${within}` : within;
    }
    case 'any':
      if (filter.groups.length === 0) return 'false';
      return `(${filter.groups.map((group) => (group.length === 0 ? 'true' : `(${group.map((f) => filterSql(f, p)).join(' AND ')})`)).join(' OR ')})`;
  }
}

interface Cursor {
  recorded: string;
  chain: string;
  seq: string;
}

/** The `_page_token`: the last event of a page, and the order it was made for. */
function encodeCursor(row: EventRow, ascending: boolean): string {
  const recorded = new Date(row.recorded).toISOString();
  return Buffer.from(JSON.stringify([ascending ? 'a' : 'd', recorded, row.chain, String(row.seq)])).toString('base64url');
}

function decodeCursor(text: string, ascending: boolean): Cursor {
  const malformed = () => badRequest('Malformed or outdated _page_token; start the search again from its first page', '_page_token');
  let parsed: unknown;
  try {
    if (!/^[A-Za-z0-9_-]{1,2000}$/.test(text)) throw malformed();
    parsed = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw malformed();
  }
  if (!Array.isArray(parsed) || parsed.length !== 4) throw malformed();
  const [order, recorded, chain, seq] = parsed as unknown[];
  if (order !== (ascending ? 'a' : 'd') || typeof recorded !== 'string' || !isInstant(recorded)) throw malformed();
  if (typeof chain !== 'string' || typeof seq !== 'string' || !/^\d{1,18}$/.test(seq)) throw malformed();
  return { recorded, chain, seq };
}

/** What encodeCursor writes: `Date.toISOString()`, and only that. */
function isInstant(text: string): boolean {
  const time = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/.test(text) ? Date.parse(text) : NaN;
  return !Number.isNaN(time) && new Date(time).toISOString() === text;
}
