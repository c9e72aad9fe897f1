import {
  RegistryConflictError,
  type ListPage,
  type ListRequest,
  type PutResult,
  type RegistryRepository,
  type RegistryResource,
  type Stored,
} from '../../auth/registry/registry-repository.ts';
import type { SqlClient } from '../database.ts';
import { prepared } from '../prepared-statement.ts';
import { NEXT_STANDING, nextStandingFor } from './standing.ts';

/** The registry tables (migrations 004, 018, 028); the table name is never taken from input. */
const TABLES = { Client: 'auth_client', User: 'auth_user', AccessPolicy: 'auth_access_policy', Tenant: 'auth_tenant', IdentityProvider: 'auth_identity_provider' } as const;
export type RegistryKind = keyof typeof TABLES;
/** The kinds whose grants, codes and sessions end when they are deactivated (migration 017). */
const STANDING_KINDS: ReadonlySet<RegistryKind> = new Set(['Client', 'User']);

export interface RegistryStoreOptions {
  now: () => Date;
  newId: () => string;
}

interface ContentRow {
  content: string;
  inserted?: boolean;
}

/** PostgreSQL implementation of a RegistryRepository (both drivers). */
export function createRegistryStore<T extends RegistryResource>(
  sql: SqlClient,
  kind: RegistryKind,
  options: RegistryStoreOptions,
): RegistryRepository<T> {
  const table = TABLES[kind];

  const stamp = (resource: T, id: string, lastUpdated: string): string => {
    const { meta, ...rest } = resource;
    // versionId is set in SQL from the row's own counter, so concurrent writers never share one.
    return JSON.stringify({ ...rest, resourceType: kind, id, meta: { ...meta, versionId: '1', lastUpdated } });
  };
  const tenantOf = (resource: T): string => (typeof resource.meta?._tenant === 'string' ? resource.meta._tenant : '');

  async function write<R>(run: () => Promise<R>): Promise<R> {
    try {
      return await run();
    } catch (err) {
      const e = err as { code?: unknown; constraint?: unknown };
      // 23505 unique_violation on migration 004's email index.
      if (e.code === '23505' && e.constraint === 'auth_user_email') throw new RegistryConflictError('email', 'Another User already has this email');
      throw err;
    }
  }

  const getById = prepared(`SELECT content::text AS content FROM ${table} WHERE id = $1`);
  const getByIdForUpdate = prepared(`SELECT content::text AS content FROM ${table} WHERE id = $1 FOR UPDATE`);
  // Deactivating or reactivating draws a new standing in the same statement: nothing made before counts after it.
  const standing = STANDING_KINDS.has(kind) ? `,\n             ${NEXT_STANDING}` : '';
  return {
    async get(id) {
      const rows = await sql.query<ContentRow>(getById, [id]);
      return rows[0] && toStored<T>(rows[0].content);
    },

    async getForUpdate(id) {
      const rows = await sql.query<ContentRow>(getByIdForUpdate, [id]);
      return rows[0] && toStored<T>(rows[0].content);
    },

    async replaceIfUnchanged(resource, versionId) {
      const lastUpdated = options.now().toISOString();
      const version = Number(versionId);
      if (!Number.isSafeInteger(version)) return undefined;
      const rows = await write(() =>
        sql.query<ContentRow>(
          `UPDATE ${table} AS t SET
             version_id = t.version_id + 1,
             last_updated = $4,
             tenant = $2,
             content = jsonb_set($3::jsonb, '{meta,versionId}', to_jsonb((t.version_id + 1)::text))${STANDING_KINDS.has(kind) ? `,
             ${nextStandingFor('$3::jsonb')}` : ''}
           WHERE t.id = $1 AND t.version_id = $5
           RETURNING content::text AS content`,
          [resource.id, tenantOf(resource), stamp(resource, resource.id, lastUpdated), lastUpdated, version],
        ),
      );
      const row = rows[0];
      return row && ({ resource: toStored<T>(row.content), created: false } satisfies PutResult<T>);
    },

    async put(resource) {
      const lastUpdated = options.now().toISOString();
      const rows = await write(() =>
        sql.query<ContentRow>(
          `INSERT INTO ${table} AS t (id, version_id, last_updated, tenant, content)
           VALUES ($1, 1, $4, $2, $3::jsonb)
           ON CONFLICT (id) DO UPDATE SET
             version_id = t.version_id + 1,
             last_updated = EXCLUDED.last_updated,
             tenant = EXCLUDED.tenant,
             content = jsonb_set(EXCLUDED.content, '{meta,versionId}', to_jsonb((t.version_id + 1)::text))${standing}
           RETURNING content::text AS content, (xmax = 0) AS inserted`,
          [resource.id, tenantOf(resource), stamp(resource, resource.id, lastUpdated), lastUpdated],
        ),
      );
      const row = rows[0];
      if (!row) throw new Error(`${kind} upsert returned no row`);
      return { resource: toStored<T>(row.content), created: row.inserted === true } satisfies PutResult<T>;
    },

    async insertIfAbsent(resource) {
      const lastUpdated = options.now().toISOString();
      const rows = await write(() =>
        sql.query<ContentRow>(
          `INSERT INTO ${table} (id, version_id, last_updated, tenant, content)
           VALUES ($1, 1, $4, $2, $3::jsonb) ON CONFLICT (id) DO NOTHING RETURNING content::text AS content`,
          [resource.id, tenantOf(resource), stamp(resource, resource.id, lastUpdated), lastUpdated],
        ),
      );
      const row = rows[0];
      return row && ({ resource: toStored<T>(row.content), created: true } satisfies PutResult<T>);
    },

    async create(resource) {
      const id = options.newId();
      const lastUpdated = options.now().toISOString();
      const rows = await write(() =>
        sql.query<ContentRow>(
          `INSERT INTO ${table} (id, version_id, last_updated, tenant, content)
           VALUES ($1, 1, $4, $2, $3::jsonb) RETURNING content::text AS content`,
          [id, tenantOf(resource), stamp(resource, id, lastUpdated), lastUpdated],
        ),
      );
      const row = rows[0];
      if (!row) throw new Error(`${kind} insert returned no row`);
      return toStored<T>(row.content);
    },

    async delete(id) {
      const rows = await sql.query(`DELETE FROM ${table} WHERE id = $1 RETURNING id`, [id]);
      return rows.length > 0;
    },

    async list({ count, offset, tenant, owner }: ListRequest): Promise<ListPage<T>> {
      // Each filter is a bound parameter; only their fixed SQL text is joined.
      const filters: string[] = [];
      const values: unknown[] = [];
      if (tenant !== undefined) filters.push(`tenant = $${values.push(tenant)}`);
      if (owner !== undefined) filters.push(`content->>'owner' = $${values.push(owner)}`);
      const where = filters.length ? ` WHERE ${filters.join(' AND ')}` : '';
      const [rows, totals] = await Promise.all([
        sql.query<ContentRow>(`SELECT content::text AS content FROM ${table}${where} ORDER BY id LIMIT $${values.length + 1} OFFSET $${values.length + 2}`, [...values, count, offset]),
        sql.query<{ total: string | number }>(`SELECT count(*) AS total FROM ${table}${where}`, values),
      ]);
      return { resources: rows.map((r) => toStored<T>(r.content)), total: Number(totals[0]?.total ?? 0) };
    },
  };
}

function toStored<T extends RegistryResource>(content: string): Stored<T> {
  // JSONB keeps keys in its own order; resourceType, id and meta first, as people read these too.
  const { resourceType, id, meta, ...rest } = JSON.parse(content) as Stored<T>;
  return { resourceType, id, meta, ...rest } as Stored<T>;
}
