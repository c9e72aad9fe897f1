import type { AccessConstraints } from '../access/access-port.ts';

/** Which data an export covers (Bulk Data Access 2.0.0 §"Bulk Data Kick-off Request"). */
export type ExportLevel = 'system' | 'patient' | 'group';

/** A kick-off request once its parameters were checked: what the worker runs. */
export interface ExportRequest {
  level: ExportLevel;
  /** Group export: the Group's id. */
  groupId?: string;
  /** `_type`: only these resource types (undefined: every type the level covers). */
  types?: string[];
  /** `_since`: resources updated after this instant (FHIR instant). */
  since?: string;
  /** `_typeFilter`: per type, FHIR search queries; a resource is exported when it matches any one. */
  typeFilters?: Record<string, [string, string][][]>;
  /** `_elements`: top-level elements to keep, for every type (`Patient.name` style entries are per type). */
  elements?: string[];
  /** POST `patient`: only these patients (ids) of the level's population. */
  patients?: string[];
  /** `includeAssociatedData` values that were asked for and are not supported (reported in the manifest). */
  unsupportedAssociatedData?: string[];
  /** The kick-off URL, absolute (manifest `request`). */
  url: string;
}

/**
 * What the requester's token could reach when it asked, kept with the job so the worker applies the
 * same constraints long after the token expired: `full` for the root client (or a token whose
 * scopes constrain nothing), else the allowed types and each one's constraints (SMART scopes).
 */
export type ExportAccess =
  | { kind: 'full' }
  | { kind: 'scoped'; types: Record<string, AccessConstraints> };

export type ExportStatus = 'queued' | 'running' | 'completed' | 'failed';

export interface ExportJob {
  id: string;
  /** The client that asked (files and status are served to it only). */
  clientId: string;
  status: ExportStatus;
  request: ExportRequest;
  access: ExportAccess;
  /** FHIR instant: the export covers resources as of this time (manifest `transactionTime`). */
  transactionTime: string;
  createdAt: string;
  expiresAt: string;
  attempts: number;
  /** Which data set the job reads (a tenant's, opaque here): the worker reads through that partition's repository. */
  partition: string;
  progress?: string;
  completedAt?: string;
}

export type ExportFileKind = 'output' | 'deleted' | 'error';

export interface ExportFile {
  fileNo: number;
  kind: ExportFileKind;
  /** Resource type of every line (OperationOutcome for error files, Bundle for deletions). */
  resourceType: string;
  count: number;
}
