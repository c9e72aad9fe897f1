import { conflict, preconditionFailed } from '../fhir/outcome.ts';
import type {
  HistoryPage,
  HistoryRequest,
  ResourceJsonReader,
  ResourceReader,
  ResourceRepository,
  ResourceWriter,
  SaveInput,
} from '../fhir/repository.ts';
import type { Resource, ResourceRecord } from '../fhir/resource.ts';
import type { SearchIndexRows } from '../fhir/search/index-rows.ts';
import type { SearchRequest, SearchResult } from '../fhir/search/search-request.ts';
import type { Database, SqlClient } from './database.ts';
import { deleteIndexRows, insertIndexRows } from './search-index-writer.ts';
import { searchResourceNdjson, searchResources } from './search/search-sql.ts';
import { RECORD_COLUMNS, toRecord, type ResourceRow } from './resource-row.ts';
import { prepared } from './prepared-statement.ts';
import { storageFaultOf } from './drivers/pg-faults.ts';

export interface ResourceStoreOptions {
  tenant?: string;
  /** Computes the search index of a resource; called on every save. */
  indexResource: (resource: Resource) => SearchIndexRows;
  /** Injectable clock. */
  now?: () => Date;
  /** A streaming replica of `db` (DATABASE_READ_URL): what reads outside a unit of work go to (see createResourceStore). */
  replica?: Database;
}

const READ = prepared(`SELECT ${RECORD_COLUMNS} FROM resource WHERE tenant = $1 AND resource_type = $2 AND id = $3`);
const VREAD = prepared(`SELECT ${RECORD_COLUMNS}, method FROM resource_version_content
  WHERE tenant = $1 AND resource_type = $2 AND id = $3 AND version_id = $4`);

// $1 tenant, $2 type, $3 id, $4 versionId, $5 lastUpdated, $6 deleted, $7 content, $8 method.
// The current version's content is kept once, in resource (migration 014): its version row has none.
const VERSION_ROW = 'SELECT $1::text, $2::text, $3::text, $4::integer, $5::timestamptz, $6::boolean, $8::text, NULL::jsonb';
const VERSION_COLUMNS = 'resource_version (tenant, resource_type, id, version_id, last_updated, deleted, method, content)';
const INSERT_CURRENT_AND_VERSION = prepared(`WITH current AS (
    INSERT INTO resource (tenant, resource_type, id, version_id, last_updated, deleted, content)
    VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb) ON CONFLICT DO NOTHING RETURNING id
  )
  INSERT INTO ${VERSION_COLUMNS} ${VERSION_ROW} FROM current RETURNING id`);
// The replaced version's content moves to its version row (read from resource before the update:
// every part of one statement sees the same snapshot), then the new version becomes current.
const UPDATE_CURRENT_AND_VERSION = prepared(`WITH previous AS (
    UPDATE resource_version v SET content = r.content FROM resource r
     WHERE r.tenant = $1 AND r.resource_type = $2 AND r.id = $3
       AND v.tenant = $1 AND v.resource_type = $2 AND v.id = $3 AND v.version_id = r.version_id AND v.content IS NULL
  ), current AS (
    UPDATE resource SET version_id = $4, last_updated = $5, deleted = $6, content = $7::jsonb
     WHERE tenant = $1 AND resource_type = $2 AND id = $3 RETURNING id
  )
  INSERT INTO ${VERSION_COLUMNS} ${VERSION_ROW} FROM current RETURNING id`);

/**
 * The PostgreSQL implementation of the FHIR layer's ResourceRepository (both drivers).
 *
 * With a replica, this is where reads are routed. A unit of work (`transaction`: every write, conditional
 * create/update/delete and their searches, batch and transaction Bundles, history inside them) runs on the primary,
 * so it reads its own writes and locks what it checks. Reads outside one (read, vread, search, history, and Bulk Data
 * export's pages) go to the replica, which may lag the primary:
 * - read and vread that find nothing there ask the primary, so a client that just created a resource, or a version,
 *   can read it at once by id; a read of a resource the replica has an older version of returns that version until
 *   the replica catches up;
 * - search and history are eventually consistent: they see a write once the replica has replayed it;
 * - a replica that cannot be reached is stepped around: the read goes to the primary.
 */
export function createResourceStore(db: Database, options: ResourceStoreOptions): ResourceRepository & ResourceJsonReader {
  const tenant = options.tenant ?? '';
  const now = options.now ?? (() => new Date());
  const replica = options.replica;
  /** `fn` on the replica, on the primary when there is none or it cannot be reached, or when `found` says the replica's answer is not the last word. */
  const onReplica = async <T>(fn: (sql: SqlClient) => Promise<T>, found: (answer: T) => boolean = () => true): Promise<T> => {
    if (!replica) return fn(db);
    let answer: T;
    try {
      answer = await fn(replica);
    } catch (err) {
      if (storageFaultOf(err)?.kind === 'unavailable') return fn(db);
      throw err;
    }
    return found(answer) ? answer : fn(db);
  };

  const reader = (sql: SqlClient): ResourceReader => ({
    async read(resourceType, id) {
      const rows = await sql.query<ResourceRow>(READ, [tenant, resourceType, id]);
      return rows[0] && toRecord(rows[0]);
    },
    async vread(resourceType, id, versionId) {
      if (!/^\d{1,9}$/.test(versionId)) return undefined;
      const rows = await sql.query<ResourceRow>(VREAD, [tenant, resourceType, id, Number(versionId)]);
      return rows[0] && toRecord(rows[0]);
    },
    search(request: SearchRequest): Promise<SearchResult> {
      return searchResources(sql, tenant, request);
    },
    history: (request) => history(sql, tenant, request),
  });

  const writer = (sql: SqlClient): ResourceWriter => {
    const read = reader(sql);

    async function writeVersion(
      resourceType: string,
      id: string,
      current: { version_id: number; deleted: boolean } | undefined,
      content: Resource,
      deleted: boolean,
      method: 'POST' | 'PUT' | 'DELETE',
    ): Promise<ResourceRecord> {
      const versionId = (current?.version_id ?? 0) + 1;
      const lastUpdated = now().toISOString();
      const stamped: Resource = { ...content, meta: { ...content.meta, versionId: String(versionId), lastUpdated } };
      const json = JSON.stringify(stamped);
      // The current row and its history row in one statement.
      const row = [tenant, resourceType, id, versionId, lastUpdated, deleted, json, method];
      if (current) {
        await sql.query(UPDATE_CURRENT_AND_VERSION, row);
        await deleteIndexRows(sql, tenant, resourceType, id);
      } else {
        const inserted = await sql.query(INSERT_CURRENT_AND_VERSION, row);
        // Another transaction created the same id between our check and insert.
        if (inserted.length === 0) throw conflict(`${resourceType}/${id} was written concurrently; retry the request`);
      }
      if (!deleted) await insertIndexRows(sql, tenant, resourceType, id, options.indexResource(stamped));
      return { resourceType, id, versionId: String(versionId), lastUpdated, deleted, resource: stamped, method };
    }

    async function lockCurrent(resourceType: string, id: string) {
      const rows = await sql.query<{ version_id: number; deleted: boolean }>(
        `SELECT version_id, deleted FROM resource WHERE tenant = $1 AND resource_type = $2 AND id = $3 FOR UPDATE`,
        [tenant, resourceType, id],
      );
      return rows[0];
    }

    function checkIfMatch(
      resourceType: string,
      id: string,
      current: { version_id: number; deleted: boolean } | undefined,
      ifMatchVersion: string | undefined,
    ) {
      if (ifMatchVersion === undefined) return;
      const live = current && !current.deleted ? String(current.version_id) : undefined;
      if (live !== ifMatchVersion) {
        throw preconditionFailed(
          `If-Match version ${ifMatchVersion} does not match the current version of ${resourceType}/${id} (${live ?? 'none'})`,
        );
      }
    }

    return {
      ...read,
      async save({ resource, mode, ifMatchVersion }: SaveInput) {
        const { resourceType } = resource;
        const id = resource.id;
        if (!id) throw new Error('save() needs a resource with an id');
        const current = await lockCurrent(resourceType, id);
        checkIfMatch(resourceType, id, current, ifMatchVersion);
        if (mode === 'create' && current && !current.deleted) throw conflict(`${resourceType}/${id} already exists`);
        const record = await writeVersion(resourceType, id, current, resource, false, mode === 'create' ? 'POST' : 'PUT');
        return { record, created: !current || current.deleted };
      },
      async delete(resourceType, id, ifMatchVersion) {
        const current = await lockCurrent(resourceType, id);
        checkIfMatch(resourceType, id, current, ifMatchVersion);
        if (!current || current.deleted) return undefined;
        return writeVersion(resourceType, id, current, { resourceType, id }, true, 'DELETE');
      },
    };
  };

  const primary = reader(db);
  const onReplicaReader = replica ? reader(replica) : primary;
  /** The reader over `sql` (the primary or the replica), built once: a read is the hot path. */
  const readerOn = (sql: SqlClient) => (sql === db ? primary : onReplicaReader);
  return {
    // Unit-less reads as the doc comment above says; without a replica each is the primary's reader as it was.
    read: (resourceType, id) => onReplica((sql) => readerOn(sql).read(resourceType, id), (record) => record !== undefined),
    vread: (resourceType, id, versionId) => onReplica((sql) => readerOn(sql).vread(resourceType, id, versionId), (record) => record !== undefined),
    search: replica ? (request) => onReplica((sql) => readerOn(sql).search(request)) : primary.search,
    history: replica ? (request) => onReplica((sql) => readerOn(sql).history(request)) : primary.history,
    searchNdjson: (request) => onReplica((sql) => searchResourceNdjson(sql, tenant, request)),
    presentTypes: (types) => onReplica((sql) => presentTypes(sql, types)),
    transaction: (fn) => db.transaction((tx) => fn(writer(tx))),
  };

  async function presentTypes(sql: SqlClient, types: readonly string[]): Promise<Set<string>> {
    const rows = await sql.query<{ type: string }>(
      `SELECT t AS type FROM unnest($2::text[]) t
        WHERE EXISTS (SELECT 1 FROM resource r WHERE r.tenant = $1 AND r.resource_type = t AND NOT r.deleted)`,
      [tenant, types],
    );
    return new Set(rows.map((r) => r.type));
  }
}

/**
 * History newest first (FHIR R4 http.html#history), paged by `seq`: later writes get higher
 * numbers, so a next link keeps walking the same older versions while new ones arrive.
 * `_at` keeps, per resource, the last version updated at or before that instant.
 */
async function history(sql: SqlClient, tenant: string, request: HistoryRequest): Promise<HistoryPage> {
  const params: unknown[] = [tenant];
  const param = (value: unknown) => {
    params.push(value);
    return `$${params.length}`;
  };
  const scope = ['tenant = $1'];
  if (request.resourceType) scope.push(`resource_type = ${param(request.resourceType)}`);
  if (request.id) scope.push(`id = ${param(request.id)}`);
  if (request.at) scope.push(`last_updated <= ${param(request.at)}::timestamptz`);
  const page: string[] = [];
  if (request.since) page.push(`last_updated >= ${param(request.since)}::timestamptz`);
  if (request.cursor) {
    if (!/^\d{1,18}$/.test(request.cursor)) return { entries: [] };
    page.push(`seq < ${param(request.cursor)}::bigint`);
  }
  const columns = 'resource_type, id, version_id, deleted, content, method, seq, last_updated';
  const versions = request.at
    ? `(SELECT DISTINCT ON (resource_type, id) ${columns} FROM resource_version_content
         WHERE ${scope.join(' AND ')} ORDER BY resource_type, id, version_id DESC) AS v`
    : 'resource_version_content';
  const where = request.at ? page : [...scope, ...page];
  const limit = param(request.count + 1);
  const rows = await sql.query<ResourceRow>(
    `SELECT ${RECORD_COLUMNS}, method, seq FROM ${versions}
      ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY seq DESC LIMIT ${limit}`,
    params,
  );
  const entries = rows.slice(0, request.count);
  const last = entries[entries.length - 1];
  return {
    entries: entries.map(toRecord),
    ...(rows.length > request.count && last?.seq ? { next: String(last.seq) } : {}),
  };
}
