import { exportCancelledByAdministrator } from '../audit/console-events.ts';
import type { SecurityAudit } from '../audit/security-audit.ts';
import { adminActor } from '../audit/registry-events.ts';
import type { ExportFile, ExportJob } from '../../fhir/bulk/export-job.ts';
import type { ExportStore } from '../../fhir/bulk/export-store.ts';
import type { ListPage } from '../sessions/session.ts';
import type { ConsoleAdmin } from './console-admission.ts';

/** A job with its files, as the console lists it. */
export interface ConsoleExport {
  job: ExportJob;
  /** The tenant whose data it reads. */
  tenant: string;
  files: ExportFile[];
}

/** The console's Bulk Data exports: every client's jobs (a tenant's only, at its console), and cancelling one. */
export interface ConsoleExports {
  list(filter: { clientId?: string }, page: ListPage): Promise<{ total: number; exports: ConsoleExport[] }>;
  /** Undefined when there is no such job here (or it expired). */
  get(jobId: string): Promise<ConsoleExport | undefined>;
  /**
   * Does what its client's DELETE of the status URL does (Bulk Data Access 2.0.0 §"Delete a Bulk Data Request"): the
   * job and its files are deleted, its worker stops at its next write, the status URL answers 404. False when absent.
   */
  cancel(admin: ConsoleAdmin, jobId: string): Promise<boolean>;
}

export interface ConsoleExportsDeps {
  /** The jobs this console sees: one tenant's, or (the root's) every tenant's. */
  store: ExportStore;
  /** A job's partition (the resource tables' tenant key) as the tenant id. */
  tenantOf(partition: string): string;
  auditAt(tenantId: string): SecurityAudit;
  now: () => Date;
}

export function createConsoleExports(deps: ConsoleExportsDeps): ConsoleExports {
  const withFiles = async (job: ExportJob): Promise<ConsoleExport> => ({ job, tenant: deps.tenantOf(job.partition), files: await deps.store.files(job.id) });
  const live = (job: ExportJob | undefined) => (job && Date.parse(job.expiresAt) > deps.now().getTime() ? job : undefined);
  return {
    async list(filter, page) {
      const { total, jobs } = await deps.store.list(filter, deps.now(), page);
      return { total, exports: await Promise.all(jobs.map(withFiles)) };
    },

    async get(jobId) {
      const job = live(await deps.store.get(jobId));
      return job && withFiles(job);
    },

    async cancel(admin, jobId) {
      const job = live(await deps.store.get(jobId));
      if (!job || !(await deps.store.remove(jobId))) return false;
      const audit = deps.auditAt(deps.tenantOf(job.partition));
      await audit.record(exportCancelledByAdministrator(audit.site, adminActor(admin.caller), { id: job.id, clientId: job.clientId }));
      return true;
    },
  };
}
