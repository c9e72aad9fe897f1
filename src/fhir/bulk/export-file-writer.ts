import type { OperationOutcome } from '../outcome.ts';
import type { Resource } from '../resource.ts';
import type { ExportFileKind } from './export-job.ts';
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
  /** Appends a resource already serialised as one line of JSON (the stored text, unparsed). */
  writeLine(kind: ExportFileKind, resourceType: string, json: string): Promise<void>;
  /** Writes out and closes the current file. */
  close(): Promise<void>;
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
  let current: { fileNo: number; kind: ExportFileKind; type: string; lines: number; chunkNo: number; buffer: string[]; bytes: number } | undefined;

  const flush = async () => {
    if (!current || current.buffer.length === 0) return;
    const written = await store.appendChunk(jobId, owner, current.fileNo, current.chunkNo, current.buffer.join(''), current.lines);
    if (!written) throw new LeaseLostError(jobId);
    current.chunkNo += 1;
    current.buffer = [];
    current.bytes = 0;
  };
  const close = async () => {
    await flush();
    current = undefined;
  };

  const writeLine = async (kind: ExportFileKind, type: string, json: string) => {
    if (current && (current.kind !== kind || current.type !== type || current.lines >= limits.maxLinesPerFile)) await close();
    if (!current) {
      const fileNo = nextFileNo();
      if (!(await store.openFile(jobId, owner, { fileNo, kind, resourceType: type }))) throw new LeaseLostError(jobId);
      current = { fileNo, kind, type, lines: 0, chunkNo: 0, buffer: [], bytes: 0 };
    }
    current.buffer.push(json, '\n');
    current.bytes += json.length + 1;
    current.lines += 1;
    if (current.bytes >= limits.chunkBytes) await flush();
  };

  return {
    write: (kind, resource) => writeLine(kind, resource.resourceType, JSON.stringify(resource)),
    writeLine,
    close,
  };
}

function counter(): () => number {
  let next = 0;
  return () => next++;
}
