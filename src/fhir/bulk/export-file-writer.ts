import type { OperationOutcome } from '../outcome.ts';
import type { Resource } from '../resource.ts';
import type { ExportFileKind } from './export-job.ts';
import type { SearchRequest } from '../search/search-request.ts';
import type { ExportStore } from './export-store.ts';

/** The job's lease was lost (cancelled, or claimed by another worker after expiry): stop, write nothing more. */
export class LeaseLostError extends Error {
  constructor(jobId: string) {
    super(`lost the lease on bulk export job ${jobId}`);
    this.name = 'LeaseLostError';
  }
}

export interface FileLimits {
  /** Lines per file: a type with more is split over several files. */
  maxLinesPerFile: number;
  /** Bytes buffered before a chunk is written to the store. */
  chunkBytes: number;
}

export interface ExportFileWriter {
  /** Appends one resource as an NDJSON line to the current file of its kind and type (opening one when needed). */
  write(kind: ExportFileKind, resource: Resource | OperationOutcome): Promise<void>;
  /**
   * Appends `count` whole NDJSON lines of one type, already serialised (the stored text, unparsed),
   * each ending in a newline. They are cut over files only where a file reaches its line limit.
   */
  writeLines(kind: ExportFileKind, resourceType: string, ndjson: string, count: number): Promise<void>;
  /**
   * Where the store can (`copyStoredPage`): one page of `search`, at most `pageSize` and never past
   * the current file's line limit, appended by the store as stored JSON text to the type's current
   * `output` file (a new one when it is full). The page read: how many lines, and the next cursor.
   */
  copyPage?: (resourceType: string, search: Omit<SearchRequest, 'count'>, pageSize: number) => Promise<PageCopy>;
  /** Writes out and closes the current file. */
  close(): Promise<void>;
}

/** A page the store copied into a file: how many lines, and where the next page starts (none: the last). */
export interface PageCopy {
  count: number;
  next?: string;
}

/** The file being written, with the lines buffered for its next chunk. */
interface OpenFile {
  fileNo: number;
  kind: ExportFileKind;
  type: string;
  lines: number;
  chunkNo: number;
  /** Filled by the store's page copies: nothing buffered here, its row made with its first lines. */
  copied: boolean;
  buffer: string[];
  bytes: number;
}

/**
 * Streams NDJSON lines into the store chunk by chunk: memory holds one chunk, never a file.
 * One resource type per file (Bulk Data Access 2.0.0 §"Response - Complete Status").
 */
export function createExportFileWriter(
  store: ExportStore,
  jobId: string,
  owner: string,
  limits: FileLimits,
  nextFileNo: () => number = counter(),
): ExportFileWriter {
  let current: OpenFile | undefined;

  const flush = async (file: OpenFile | undefined) => {
    if (!file || file.buffer.length === 0) return;
    // A block that came alone goes out as it is: joining would copy it for nothing.
    const content = file.buffer.length === 1 ? (file.buffer[0] ?? '') : file.buffer.join('');
    const written = await store.appendChunk(jobId, owner, file.fileNo, file.chunkNo, content, file.lines);
    if (!written) throw new LeaseLostError(jobId);
    file.chunkNo += 1;
    file.buffer = [];
    file.bytes = 0;
  };
  const close = async () => {
    await flush(current);
    current = undefined;
  };
  /** The file the next line of this kind and type goes to: the current one, or a new one. */
  const fileFor = async (kind: ExportFileKind, type: string, copied = false): Promise<OpenFile> => {
    if (current && (current.kind !== kind || current.type !== type || current.copied !== copied || current.lines >= limits.maxLinesPerFile)) await close();
    if (current) return current;
    const fileNo = nextFileNo();
    if (!copied && !(await store.openFile(jobId, owner, { fileNo, kind, resourceType: type }))) throw new LeaseLostError(jobId);
    current = { fileNo, kind, type, lines: 0, chunkNo: 0, copied, buffer: [], bytes: 0 };
    return current;
  };
  /** Appends whole lines that fit `file`; a chunk is written before it would grow past chunkBytes. */
  const append = async (file: OpenFile, text: string, count: number) => {
    if (file.bytes > 0 && file.bytes + text.length > limits.chunkBytes) await flush(file);
    file.buffer.push(text);
    file.bytes += text.length;
    file.lines += count;
    if (file.bytes >= limits.chunkBytes) await flush(file);
  };

  const writeLines = async (kind: ExportFileKind, type: string, ndjson: string, count: number) => {
    let text = ndjson;
    let left = count;
    while (left > 0) {
      const file = await fileFor(kind, type);
      const room = limits.maxLinesPerFile - file.lines;
      if (left <= room) return append(file, text, left);
      const cut = afterLine(text, room);
      await append(file, text.slice(0, cut), room);
      text = text.slice(cut);
      left -= room;
    }
  };

  const copyStoredPage = store.copyStoredPage?.bind(store);
  const copyPage = copyStoredPage
    ? async (type: string, search: Omit<SearchRequest, 'count'>, pageSize: number) => {
        const file = await fileFor('output', type, true);
        const count = Math.min(pageSize, limits.maxLinesPerFile - file.lines);
        const target = { fileNo: file.fileNo, resourceType: type, chunkNo: file.chunkNo, linesBefore: file.lines };
        const page = await copyStoredPage(jobId, owner, target, { ...search, resourceType: type, count });
        if (page === 'lost') throw new LeaseLostError(jobId);
        file.lines += page.count;
        if (page.count > 0) file.chunkNo += 1;
        return page;
      }
    : undefined;

  return {
    ...(copyPage ? { copyPage } : {}),
    write: async (kind, resource) => append(await fileFor(kind, resource.resourceType), `${JSON.stringify(resource)}\n`, 1),
    writeLines,
    close,
  };
}

/** The offset just after the `n`th newline of `text` (n ≥ 1). */
function afterLine(text: string, n: number): number {
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = text.indexOf('\n', at + 1);
    if (at === -1) throw new Error(`expected ${n} NDJSON lines, found ${i}`);
  }
  return at + 1;
}

function counter(): () => number {
  let next = 0;
  return () => next++;
}
