import type { ExportFile, ExportFileKind, ExportJob, ExportStatus } from '../../fhir/bulk/export-job.ts';
import type { ExportStore, StoredPageTarget } from '../../fhir/bulk/export-store.ts';
import type { SearchRequest } from '../../fhir/search/search-request.ts';
import { storedTextPageQuery } from '../search/search-sql.ts';
import { randomUUID } from 'node:crypto';
import { appendFile, mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { binaryCopyValues } from '../binary-copy.ts';
import type { Database } from '../database.ts';

interface JobRow {
  id: string;
  client_id: string;
  status: string;
  request: unknown;
  access: unknown;
  transaction_time: string | Date;
  created_at: string | Date;
  expires_at: string | Date;
  attempts: number | string;
  progress: string | null;
  completed_at: string | Date | null;
  tenant: string;
}

const JOB_COLUMNS = 'id, client_id, status, request, access, transaction_time, created_at, expires_at, attempts, progress, completed_at, tenant';
/** How many jobs' tenants `copyStoredPage` remembers: more than run at once in one process. */
const JOB_TENANTS_KEPT = 256;
/** Jobs still to run or running: they count against a client's concurrent-export limit. */
const ACTIVE = `status IN ('queued', 'running')`;
/** At most the chunks one read of a file takes, and about the bytes (a larger chunk is a read alone). */
const READ_BATCH = 8;
const READ_BYTES = 4 << 20;
/** A job id that can stand in a COPY statement as a literal (ours are UUIDs). */
const PLAIN_ID = /^[A-Za-z0-9-]{1,64}$/;

const instant = (v: string | Date) => new Date(v).toISOString();
const json = <T>(v: unknown): T => (typeof v === 'string' ? JSON.parse(v) : v) as T;

function toJob(row: JobRow): ExportJob {
  return {
    id: row.id,
    clientId: row.client_id,
    status: row.status as ExportStatus,
    request: json(row.request),
    access: json(row.access),
    transactionTime: instant(row.transaction_time),
    createdAt: instant(row.created_at),
    expiresAt: instant(row.expires_at),
    attempts: Number(row.attempts),
    partition: row.tenant,
    ...(row.progress !== null ? { progress: row.progress } : {}),
    ...(row.completed_at !== null ? { completedAt: instant(row.completed_at) } : {}),
  };
}

/**
 * The lease check every worker write carries: the job is still this owner's and still running. The
 * row is locked (FOR KEY SHARE) until the write commits, so no claim can take the job over and delete
 * its files meanwhile (a claim skips locked jobs); heartbeats, which change no key, are not held up.
 */
const held = (job: string, owner: string) =>
  `EXISTS (SELECT 1 FROM bulk_export_job j WHERE j.id = ${job} AND j.lease_owner = ${owner} AND j.status = 'running' FOR KEY SHARE)`;
const HELD = held('$1::text', '$2::text');

/** Where new files' NDJSON content goes (existing files are read from wherever they were written). */
export interface ExportContentOptions {
  files: 'database' | 'directory';
  /**
   * The export directory: `files: directory` writes under it, and removals clean it whatever the mode
   * (files written before a change of setting). Undefined: nothing on disk (DATA_DIR memory://).
   */
  directory: string | undefined;
  /**
   * The tenant (its key in the resource tables) whose jobs this store serves: `create` files jobs under it, and
   * `get` and `remove` see only its jobs. Absent: every tenant's jobs (a worker's store), new ones the default's.
   */
  tenant?: string;
}

/**
 * PostgreSQL implementation of the bulk export job store (migrations 011–013); both drivers. Jobs,
 * files and leases are rows; content is rows of chunks, or files under the export directory.
 */
export function createExportStore(db: Database, content: ExportContentOptions): ExportStore {
  const directory = content.directory;
  if (content.files === 'directory' && directory === undefined) throw new Error('BULK_EXPORT_FILES=directory needs a directory');
  const onDisk = (relative: string) => join(directory ?? '', relative);
  /** Each running job's tenant, as `copyStoredPage` last read it (the oldest forgotten first). */
  const jobTenants = new Map<string, string>();
  const jobDir = (jobId: string) => onDisk(encodeURIComponent(jobId));
  // Files this process opened (directory mode), per job and lease owner: the writer that opens a
  // file appends to it, and `finish` syncs them. Forgotten when the job leaves this owner's hands.
  const opened = new Map<string, Map<number, string>>();
  const leaseKey = (jobId: string, owner: string) => `${owner}\u0000${jobId}`;
  const forget = (jobId: string, owner: string) => opened.delete(leaseKey(jobId, owner));
  const removeContent = async (jobIds: string[]) => {
    // Best effort: a leftover directory is only disk space, and the rows saying it exists are gone.
    if (directory === undefined) return;
    await Promise.all(jobIds.map((id) => rm(jobDir(id), { recursive: true, force: true }).catch(() => undefined)));
  };
  /**
   * A file's chunks in batches of consecutive chunks, each read whole before any of it is handed on,
   * so a connection is held only while a batch comes from the database, never while a slow client
   * takes it: on PostgreSQL by a binary COPY (the bytes as stored, never decoded to strings and
   * encoded again; COPY takes no parameters, so only for ids plain enough to inline), otherwise by a query.
   * The batches are read as background work: once the response has started, a batch refused for load
   * would cut the file short under a 200; the download was admitted as request work by `readFile`'s
   * own query, so it waits its turn instead.
   */
  async function* readBatches(jobId: string, fileNo: number, batches: [number, number][]): AsyncIterable<string | Uint8Array> {
    const reader = db.background();
    const copyOut = PLAIN_ID.test(jobId) && Number.isSafeInteger(fileNo) ? reader.copyOut?.bind(reader) : undefined;
    for (const [from, to] of batches) {
      const chunks: (string | Uint8Array)[] = [];
      if (copyOut) {
        const copy = `COPY (SELECT content FROM bulk_export_chunk WHERE job_id = '${jobId}' AND file_no = ${fileNo}
          AND chunk_no BETWEEN ${from} AND ${to} ORDER BY chunk_no) TO STDOUT (FORMAT binary)`;
        for await (const piece of binaryCopyValues(copyOut(copy))) chunks.push(piece);
      } else {
        const rows = await reader.query<{ content: string }>(
          'SELECT content FROM bulk_export_chunk WHERE job_id = $1 AND file_no = $2 AND chunk_no BETWEEN $3 AND $4 ORDER BY chunk_no',
          [jobId, fileNo, from, to],
        );
        for (const row of rows) chunks.push(row.content);
      }
      yield* chunks;
    }
  }
  return {
    async create(job, maxActive, now) {
      return db.transaction(async (tx) => {
        // Serialises kick-offs of one client across processes, so the limit holds under races.
        await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`bulk-export:${job.clientId}`]);
        const [active] = await tx.query<{ n: string | number }>(
          `SELECT count(*) AS n FROM bulk_export_job WHERE client_id = $1 AND ${ACTIVE} AND expires_at > $2`,
          [job.clientId, now.toISOString()],
        );
        if (Number(active?.n ?? 0) >= maxActive) return false;
        await tx.query(
          `INSERT INTO bulk_export_job (id, client_id, status, request, access, transaction_time, created_at, expires_at, tenant)
           VALUES ($1, $2, 'queued', $3, $4, $5, $6, $7, $8)`,
          [job.id, job.clientId, JSON.stringify(job.request), JSON.stringify(job.access), job.transactionTime.toISOString(), now.toISOString(), job.expiresAt.toISOString(), content.tenant ?? ''],
        );
        return true;
      });
    },

    async get(id) {
      const [row] = await db.query<JobRow>(`SELECT ${JOB_COLUMNS} FROM bulk_export_job WHERE id = $1`, [id]);
      // Another tenant's job is not this store's: as if it did not exist.
      return row && (content.tenant === undefined || row.tenant === content.tenant) ? toJob(row) : undefined;
    },

    async remove(id) {
      const rows = await (content.tenant === undefined
        ? db.query('DELETE FROM bulk_export_job WHERE id = $1 RETURNING id', [id])
        : db.query('DELETE FROM bulk_export_job WHERE id = $1 AND tenant = $2 RETURNING id', [id, content.tenant]));
      if (rows.length > 0) await removeContent([id]);
      return rows.length > 0;
    },

    async list(filter, now, page) {
      const params: unknown[] = [now.toISOString()];
      const param = (value: unknown) => {
        params.push(value);
        return `$${params.length}`;
      };
      const where = ['expires_at > $1'];
      if (content.tenant !== undefined) where.push(`tenant = ${param(content.tenant)}`);
      if (filter.clientId !== undefined) where.push(`client_id = ${param(filter.clientId)}`);
      const [count] = await db.query<{ n: number | string }>(`SELECT count(*) AS n FROM bulk_export_job WHERE ${where.join(' AND ')}`, params);
      const rows = await db.query<JobRow>(
        `SELECT ${JOB_COLUMNS} FROM bulk_export_job WHERE ${where.join(' AND ')} ORDER BY created_at DESC, id LIMIT ${param(page.count)} OFFSET ${param(page.offset)}`,
        params,
      );
      return { total: Number(count?.n ?? 0), jobs: rows.map(toJob) };
    },

    async files(jobId) {
      const rows = await db.query<{ file_no: number; kind: string; resource_type: string; count: number | string }>(
        'SELECT file_no, kind, resource_type, count FROM bulk_export_file WHERE job_id = $1 ORDER BY file_no',
        [jobId],
      );
      return rows.map(
        (r): ExportFile => ({ fileNo: Number(r.file_no), kind: r.kind as ExportFileKind, resourceType: r.resource_type, count: Number(r.count) }),
      );
    },

    async readFile(jobId, fileNo) {
      // The file, and the sizes of its chunks (from their TOAST pointers: octet_length fetches no text).
      const [file] = await db.query<{ content_path: string | null; chunks: number[] | null; sizes: number[] | null }>(
        `SELECT f.content_path, c.chunks, c.sizes FROM bulk_export_file f
           LEFT JOIN LATERAL (
             SELECT array_agg(chunk_no ORDER BY chunk_no) AS chunks, array_agg(octet_length(content) ORDER BY chunk_no) AS sizes
               FROM bulk_export_chunk c WHERE c.job_id = f.job_id AND c.file_no = f.file_no AND f.content_path IS NULL
           ) c ON true
          WHERE f.job_id = $1 AND f.file_no = $2`,
        [jobId, fileNo],
      );
      if (!file) return 'no-file';
      if (file.content_path === null) return readBatches(jobId, fileNo, chunkBatches(file.chunks ?? [], file.sizes ?? []));
      if (directory === undefined) return 'content-gone';
      // Opened here, so a missing file is an answer before any byte of a response is sent.
      const handle = await open(onDisk(file.content_path), 'r').catch((error: unknown) => {
        if ((error as { code?: unknown }).code === 'ENOENT') return undefined;
        throw error;
      });
      return handle ? (handle.createReadStream({ highWaterMark: 1 << 20 }) as AsyncIterable<Uint8Array>) : 'content-gone';
    },
    async claim(lease, now) {
      const { job, stalePaths } = await db.transaction(async (tx) => {
        const [candidate] = await tx.query<{ id: string }>(
          `SELECT id FROM bulk_export_job
            WHERE (status = 'queued' OR (status = 'running' AND lease_expires_at < $1)) AND expires_at > $1
            ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
          [now.toISOString()],
        );
        if (!candidate) return { job: undefined, stalePaths: [] };
        // Restarted from the beginning: whatever an earlier attempt wrote goes (its files in the
        // directory too, once committed; a stalled writer of that attempt appends only to its own names).
        const stale = await tx.query<{ content_path: string | null }>('DELETE FROM bulk_export_file WHERE job_id = $1 RETURNING content_path', [candidate.id]);
        const [row] = await tx.query<JobRow>(
          `UPDATE bulk_export_job
              SET status = 'running', lease_owner = $2, lease_expires_at = $3, attempts = attempts + 1, progress = NULL
            WHERE id = $1 RETURNING ${JOB_COLUMNS}`,
          [candidate.id, lease.owner, leaseEnd(now, lease.leaseSeconds)],
        );
        return { job: row ? toJob(row) : undefined, stalePaths: stale.flatMap((r) => (r.content_path === null ? [] : [r.content_path])) };
      });
      if (directory !== undefined) await Promise.all(stalePaths.map((path) => rm(onDisk(path), { force: true }).catch(() => undefined)));
      return job;
    },

    async heartbeat(jobId, lease, progress, now) {
      const rows = await db.query(
        `UPDATE bulk_export_job SET lease_expires_at = $3, progress = $4
          WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING id`,
        [jobId, lease.owner, leaseEnd(now, lease.leaseSeconds), progress],
      );
      return rows.length > 0;
    },

    async openFile(jobId, owner, file) {
      const relative = content.files === 'directory' ? join(encodeURIComponent(jobId), `${file.fileNo}-${randomUUID()}.ndjson`) : null;
      if (relative !== null) {
        await mkdir(jobDir(jobId), { recursive: true });
        await appendFile(onDisk(relative), '');
      }
      const rows = await db.query(
        `INSERT INTO bulk_export_file (job_id, file_no, kind, resource_type, count, content_path)
         SELECT $1::text, $3::integer, $4::text, $5::text, 0, $6::text WHERE ${HELD} RETURNING file_no`,
        [jobId, owner, file.fileNo, file.kind, file.resourceType, relative],
      );
      if (rows.length === 0) {
        forget(jobId, owner);
        return false;
      }
      if (relative !== null) {
        const files = opened.get(leaseKey(jobId, owner)) ?? new Map<number, string>();
        opened.set(leaseKey(jobId, owner), files.set(file.fileNo, onDisk(relative)));
      }
      return true;
    },

    async appendChunk(jobId, owner, fileNo, chunkNo, text, count) {
      const path = opened.get(leaseKey(jobId, owner))?.get(fileNo);
      if (path !== undefined) {
        // The bytes first, then the count under the lease: a lost lease leaves bytes only in this
        // attempt's own file, which the next claim deletes. A cancelled job's directory is gone:
        // the lease check below then says so, rather than the missing directory.
        const appended = await appendFile(path, text).then(() => undefined, (error: unknown) => error ?? new Error('append failed'));
        const rows = await db.query(
          `UPDATE bulk_export_file SET count = $4 WHERE job_id = $1 AND file_no = $3 AND ${HELD} RETURNING file_no`,
          [jobId, owner, fileNo, count],
        );
        if (rows.length === 0) {
          forget(jobId, owner);
          return false;
        }
        if (appended !== undefined) throw appended;
        return true;
      }
      return db.transaction(async (tx) => {
        // A chunk lost in a crash costs nothing: the job restarts from scratch, and `finish` commits
        // synchronously, which makes every chunk before it durable. So the chunk need not wait for its flush.
        await tx.query('SET LOCAL synchronous_commit = off');
        const rows = await tx.query(
          `WITH chunk AS (
             INSERT INTO bulk_export_chunk (job_id, file_no, chunk_no, content)
             SELECT $1::text, $3::integer, $4::integer, $5::text WHERE ${HELD} RETURNING chunk_no
           )
           UPDATE bulk_export_file SET count = $6 WHERE job_id = $1 AND file_no = $3 AND EXISTS (SELECT 1 FROM chunk) RETURNING file_no`,
          [jobId, owner, fileNo, chunkNo, text, count],
        );
        return rows.length > 0;
      });
    },

    ...(content.files === 'database'
      ? {
          async copyStoredPage(jobId: string, owner: string, target: StoredPageTarget, search: SearchRequest) {
            // The job's own tenant's resources, whichever store asks: a worker's serves every tenant. A job's tenant
            // never changes, so it is read once per job, not once per page.
            let tenant = jobTenants.get(jobId);
            if (tenant === undefined) {
              const [job] = await db.query<{ tenant: string }>('SELECT tenant FROM bulk_export_job WHERE id = $1', [jobId]);
              if (!job) return 'lost';
              tenant = job.tenant;
              if (jobTenants.size >= JOB_TENANTS_KEPT) jobTenants.delete(jobTenants.keys().next().value as string);
              jobTenants.set(jobId, tenant);
            }
            return copyStoredPage(db, tenant, jobId, owner, target, search);
          },
        }
      : {}),

    async finish(jobId, owner, outcome) {
      // Files in the directory are made durable before the job says they are there.
      const paths = [...(opened.get(leaseKey(jobId, owner))?.values() ?? [])];
      forget(jobId, owner);
      await Promise.all(paths.map(syncPath));
      if (paths.length > 0) await syncPath(jobDir(jobId));
      const rows = await db.query(
        `UPDATE bulk_export_job
            SET status = $3, completed_at = $4, expires_at = $5, lease_owner = NULL, lease_expires_at = NULL
          WHERE id = $1 AND lease_owner = $2 AND status = 'running' RETURNING id`,
        [jobId, owner, outcome.status, outcome.completedAt.toISOString(), outcome.expiresAt.toISOString()],
      );
      return rows.length > 0;
    },

    async release(jobId, owner) {
      forget(jobId, owner);
      await db.query(
        `UPDATE bulk_export_job SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL
          WHERE id = $1 AND lease_owner = $2 AND status = 'running'`,
        [jobId, owner],
      );
    },

    async purgeExpired(now) {
      const rows = await db.query<{ id: string }>('DELETE FROM bulk_export_job WHERE expires_at <= $1 RETURNING id', [now.toISOString()]);
      await removeContent(rows.map((r) => r.id));
      return rows.length;
    },
  };
}

/**
 * One page of stored JSON text appended to a file as a chunk by one statement, the file row created
 * or its count set alongside (a foreign key checked at the statement's end sees the sibling insert).
 * The page is read with LIMIT count, not count + 1: a full page says there may be more, and the
 * page after the last full one is empty, which costs one cheap statement.
 */
async function copyStoredPage(
  db: Database,
  tenant: string,
  jobId: string,
  owner: string,
  target: StoredPageTarget,
  search: SearchRequest,
): Promise<{ count: number; next?: string } | 'lost'> {
  const page = storedTextPageQuery(tenant, search);
  const p = page.params;
  const job = p.add(jobId, 'text');
  const fileNo = p.add(target.fileNo, 'integer');

  const keys = Array.from({ length: page.keyCount }, (_, i) => `c${i}`);
  const text = `WITH page AS MATERIALIZED (${page.text}),
    agg AS MATERIALIZED (SELECT count(*)::integer AS n, string_agg(content, E'\n' ORDER BY ${page.order}) AS lines FROM page),
    held AS MATERIALIZED (SELECT ${held(job, p.add(owner, 'text'))} AS ok),
    file AS (
      INSERT INTO bulk_export_file (job_id, file_no, kind, resource_type, count)
      SELECT ${job}, ${fileNo}, 'output', ${p.add(target.resourceType, 'text')}, ${p.add(target.linesBefore, 'integer')} + agg.n
        FROM agg, held WHERE agg.n > 0 AND held.ok
      ON CONFLICT (job_id, file_no) DO UPDATE SET count = EXCLUDED.count
      RETURNING file_no
    ),
    chunk AS (
      INSERT INTO bulk_export_chunk (job_id, file_no, chunk_no, content)
      SELECT ${job}, ${fileNo}, ${p.add(target.chunkNo, 'integer')}, agg.lines || E'\n' FROM agg, held WHERE agg.n > 0 AND held.ok
      RETURNING chunk_no
    )
    SELECT agg.n, held.ok, ${keys.map((k) => `last.${k}`).join(', ')}
      FROM agg CROSS JOIN held LEFT JOIN (SELECT ${keys.join(', ')} FROM page ORDER BY ${page.reverse} LIMIT 1) last ON true`;
  const [row] = await db.transaction(async (tx) => {
    // As appendChunk: a chunk lost in a crash costs nothing, the job restarts; `finish` commits synchronously.
    await tx.query('SET LOCAL synchronous_commit = off');
    return tx.query<{ n: number | string; ok: boolean } & Record<`c${number}`, string | null>>(text, p.values);
  });
  if (!row?.ok) return 'lost';
  const count = Number(row.n);
  return count === search.count && count > 0 ? { count, next: page.next(row) } : { count };
}

/**
 * Consecutive chunks grouped into reads of at most READ_BATCH chunks and about READ_BYTES (a chunk
 * larger than that is a read of its own): [first, last] chunk numbers of each.
 */
function chunkBatches(chunks: readonly number[], sizes: readonly number[]): [number, number][] {
  const batches: [number, number][] = [];
  let batch: [number, number] | undefined;
  let count = 0;
  let bytes = 0;
  chunks.forEach((chunk, i) => {
    const size = sizes[i] ?? 0;
    if (batch && (count >= READ_BATCH || bytes + size > READ_BYTES)) batch = undefined;
    if (!batch) {
      batch = [chunk, chunk];
      batches.push(batch);
      count = 0;
      bytes = 0;
    }
    batch[1] = chunk;
    count += 1;
    bytes += size;
  });
  return batches;
}

/** fsync of a file, or of a directory (the names of the files created in it survive a crash). */
async function syncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

function leaseEnd(now: Date, seconds: number): string {
  return new Date(now.getTime() + seconds * 1000).toISOString();
}
