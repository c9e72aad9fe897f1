import type { SearchRequest } from '../search/search-request.ts';
import type { ExportAccess, ExportFile, ExportFileKind, ExportJob, ExportRequest } from './export-job.ts';

export interface NewExportJob {
  id: string;
  clientId: string;
  request: ExportRequest;
  access: ExportAccess;
  transactionTime: Date;
  expiresAt: Date;
}

/** A claimed job: its worker holds a lease it must renew (`heartbeat`) before `leaseSeconds` run out. */
export interface ExportLease {
  owner: string;
  leaseSeconds: number;
}

/**
 * The port the bulk export domain stores jobs and files through (implemented in src/storage/bulk).
 * Every write a worker makes is tied to its lease: once the lease is lost (expired and claimed by
 * another worker, or the job cancelled) the write is refused and the worker stops.
 */
export interface ExportStore {
  /**
   * Queues a job unless the client already has `maxActive` queued or running jobs (checked and
   * inserted atomically across processes). False when the limit is reached.
   */
  create(job: NewExportJob, maxActive: number, now: Date): Promise<boolean>;
  get(id: string): Promise<ExportJob | undefined>;
  /** Deletes a job and its files (cancel, or a client deleting a completed export). False when absent. */
  remove(id: string): Promise<boolean>;
  files(jobId: string): Promise<ExportFile[]>;
  /**
   * The jobs not yet expired at `now` (of `clientId` when given), newest first: one page (`offset`, `count`) and
   * how many there are in all. For administrators: a client sees only its own jobs, through `get`.
   */
  list(filter: { clientId?: string }, now: Date, page: { offset: number; count: number }): Promise<{ total: number; jobs: ExportJob[] }>;
  /**
   * One file's NDJSON content, piece by piece, in order (text or UTF-8 bytes). `no-file` when the job
   * has no such file; `content-gone` when the file is listed but its content is not there (a file in
   * the export directory was removed).
   */
  readFile(jobId: string, fileNo: number): Promise<AsyncIterable<string | Uint8Array> | 'no-file' | 'content-gone'>;

  /**
   * Claims the oldest queued job, or a running one whose lease expired (its worker died), for
   * `lease.owner`; any partial files of an earlier attempt are deleted. Undefined when none waits.
   */
  claim(lease: ExportLease, now: Date): Promise<ExportJob | undefined>;
  /** Renews the lease (and records progress). False when the lease is lost: stop working on the job. */
  heartbeat(jobId: string, lease: ExportLease, progress: string, now: Date): Promise<boolean>;
  /** Starts a file of the job. False when the lease is lost. */
  openFile(jobId: string, owner: string, file: { fileNo: number; kind: ExportFileKind; resourceType: string }): Promise<boolean>;
  /** Appends whole NDJSON lines to a file and sets its line count. False when the lease is lost. */
  appendChunk(jobId: string, owner: string, fileNo: number, chunkNo: number, content: string, count: number): Promise<boolean>;
  /**
   * Where file content lives in the database the resources live in: runs one page of `search` and
   * appends the matches' stored JSON text to an `output` file as one chunk, inside the database (the
   * page never passes through this process). The file is created with its first lines, so a page
   * with no matches leaves nothing behind. The page read, or `lost` when the lease is lost.
   */
  copyStoredPage?(jobId: string, owner: string, target: StoredPageTarget, search: SearchRequest): Promise<{ count: number; next?: string } | 'lost'>;
  /** Marks the job completed or failed, kept until `expiresAt`. False when the lease is lost. */
  finish(jobId: string, owner: string, outcome: { status: 'completed' | 'failed'; completedAt: Date; expiresAt: Date }): Promise<boolean>;
  /** Gives a running job back to the queue (this process is shutting down); another worker restarts it. */
  release(jobId: string, owner: string): Promise<void>;
  /** Deletes jobs (and files) past their expiry; the number deleted. */
  purgeExpired(now: Date): Promise<number>;
}

/** Where a copied page goes: the file, its chunk number, and the lines the file already holds. */
export interface StoredPageTarget {
  fileNo: number;
  resourceType: string;
  chunkNo: number;
  linesBefore: number;
}
