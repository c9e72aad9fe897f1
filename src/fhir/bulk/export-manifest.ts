import type { ExportFile, ExportJob } from './export-job.ts';

export interface ManifestOutput {
  type: string;
  url: string;
  count: number;
}

/** The complete-status body (Bulk Data Access 2.0.0 §"Response - Complete Status"). */
export interface ExportManifest {
  transactionTime: string;
  request: string;
  requiresAccessToken: true;
  output: ManifestOutput[];
  /** Always present (Inferno checks the key), empty when nothing went wrong. */
  error: ManifestOutput[];
  /** Present when `_since` was given. */
  deleted?: ManifestOutput[];
}

export function buildManifest(job: ExportJob, files: readonly ExportFile[], fileUrl: (fileNo: number) => string): ExportManifest {
  const entries = (kind: ExportFile['kind']) =>
    files.filter((f) => f.kind === kind && f.count > 0).map((f) => ({ type: f.resourceType, url: fileUrl(f.fileNo), count: f.count }));
  return {
    transactionTime: job.transactionTime,
    request: job.request.url,
    requiresAccessToken: true,
    output: entries('output'),
    error: entries('error'),
    ...(job.request.since !== undefined ? { deleted: entries('deleted') } : {}),
  };
}
