import { randomUUID } from 'node:crypto';
import type { Config } from '../config.ts';
import { createExportService, type ExportService } from '../fhir/bulk/export-service.ts';
import type { ExportStore } from '../fhir/bulk/export-store.ts';
import { createExportWorker, type ExportWorker } from '../fhir/bulk/export-worker.ts';
import type { AuditLog } from '../fhir/audit/audit-log.ts';
import { createAuditLog } from '../storage/audit/audit-log-store.ts';
import { createExportStore } from '../storage/bulk/export-store.ts';
import type { Database } from '../storage/database.ts';
import { replicaCaughtUp } from '../storage/replica-lag.ts';
import { createResourceStore } from '../storage/resource-store.ts';
import { storageTenant, tenantOfStorage } from '../storage/tenant-key.ts';
import { DEFAULT_TENANT, ENDPOINTS, tenantIssuer } from '../endpoints.ts';
import type { FhirDeps } from '../fhir/interaction.ts';
import type { FhirWing } from './fhir-wing.ts';
import type { Runtime } from './runtime.ts';
import type { StorageWing } from './storage-wing.ts';

/** Bulk export: NDJSON bytes per stored chunk, claims before a job is given up. */
const BULK_EXPORT_CHUNK_BYTES = 1024 * 1024;
const BULK_EXPORT_MAX_ATTEMPTS = 3;

export interface BulkWing {
  store: ExportStore;
  /** This process's worker; started only when BULK_EXPORT_WORKER is true. */
  worker: ExportWorker;
  /** Kick-off, status, cancel and downloads, for the FHIR API. */
  service: ExportService;
  /** The same for a tenant's FHIR API: its jobs only, reading its resources. */
  serviceAt(tenantId: string, fhir: FhirDeps): ExportService;
  /** The admin console's view of the jobs: one tenant's, or (undefined) every tenant's. */
  consoleStore(tenantId: string | undefined): ExportStore;
}

/** Bulk Data export: its jobs in the database, a worker that runs them, the service the FHIR API calls. */
export function buildBulkWing(config: Config, { storage, fhir }: { storage: StorageWing; fhir: FhirWing }, { now, log }: Runtime): BulkWing {
  const settings = config.bulkExport;
  const storeAt = (tenantId: string) => createExportStore(storage.db, { files: settings.files, directory: settings.directory, tenant: storageTenant(tenantId) });
  const store = storeAt(DEFAULT_TENANT);
  // The worker is background work on the FHIR pool: it waits for a connection rather than being refused one.
  const exportDb = storage.db.background();
  // Its pages are read on the replica when there is one (README, "Scaling").
  const replica = storage.readDb?.background();
  const exportRepository = createResourceStore(exportDb, { indexResource: fhir.indexResource, now, ...(replica ? { replica } : {}) });
  const jobs = createExportStore(exportDb, { files: settings.files, directory: settings.directory });
  // A job reads its own tenant's resources, and refers to them under that tenant's FHIR base.
  const partitions = new Map<string, { repository: typeof exportRepository; jsonReader: typeof exportRepository; auditLog: AuditLog; settings: FhirDeps['settings'] }>();
  const partition = (key: string) => {
    let found = partitions.get(key);
    if (!found) {
      const repository = createResourceStore(exportDb, { tenant: key, indexResource: fhir.indexResource, now, ...(replica ? { replica } : {}) });
      const baseUrl = `${tenantIssuer(config.baseUrl, tenantOfStorage(key))}${ENDPOINTS.fhir.path}`;
      found = { repository, jsonReader: repository, auditLog: createAuditLog(exportDb, { tenant: key }), settings: { ...fhir.fhir.settings, baseUrl } };
      partitions.set(key, found);
    }
    return found;
  };
  const worker = createExportWorker({
    runner: {
      store: replica ? afterReplicaCatchesUp(jobs, exportDb, replica, settings.leaseSeconds, log) : jobs,
      repository: exportRepository,
      auditLog: createAuditLog(exportDb, { tenant: storageTenant(DEFAULT_TENANT) }),
      jsonReader: exportRepository,
      resourceTypes: fhir.definitions.resourceTypes,
      searchRegistry: fhir.searchRegistry,
      settings: fhir.fhir.settings,
      compartment: fhir.compartment,
      index: fhir.indexResource,
      now,
      partition,
      limits: {
        maxLinesPerFile: settings.maxResourcesPerFile,
        chunkBytes: BULK_EXPORT_CHUNK_BYTES,
        pageSize: settings.pageSize,
        retentionSeconds: settings.retentionSeconds,
      },
    },
    owner: `${process.pid}-${randomUUID()}`,
    leaseSeconds: settings.leaseSeconds,
    pollIntervalMs: settings.pollIntervalMs,
    maxAttempts: BULK_EXPORT_MAX_ATTEMPTS,
    onError: (err) => log().error({ err }, 'bulk export worker failed'),
  });
  const serviceOver = (exportStore: typeof store, fhirDeps: FhirDeps) =>
    createExportService({
      store: exportStore,
      fhir: fhirDeps,
      compartment: fhir.compartment,
      settings: {
        maxConcurrentPerClient: settings.maxConcurrentPerClient,
        retentionSeconds: settings.retentionSeconds,
        retryAfterSeconds: Math.max(1, Math.ceil(settings.pollIntervalMs / 1000)),
      },
      wake: () => worker.wake(),
    });
  return {
    store,
    worker,
    service: serviceOver(store, fhir.fhir),
    serviceAt: (tenantId, fhirDeps) => serviceOver(storeAt(tenantId), fhirDeps),
    consoleStore: (tenantId) => (tenantId === undefined ? createExportStore(storage.db, { files: settings.files, directory: settings.directory }) : storeAt(tenantId)),
  };
}

/**
 * Bulk Data's transactionTime promises every change up to the kick-off. A job is claimed after its kick-off committed
 * on the primary: waiting, once claimed, for the replica to replay what the primary had then keeps the promise. The
 * wait is capped at half the lease (no heartbeat runs meanwhile); a replica further behind than that is read anyway,
 * and said so in the log.
 */
function afterReplicaCatchesUp(store: ExportStore, primary: Database, replica: Database, leaseSeconds: number, log: Runtime['log']): ExportStore {
  return {
    ...store,
    async claim(lease, now) {
      const job = await store.claim(lease, now);
      if (job && !(await replicaCaughtUp(primary, replica, (leaseSeconds * 1000) / 2))) {
        log().warn({ job: job.id }, 'the read replica lags more than half the export lease: the export may miss changes made just before its kick-off');
      }
      return job;
    },
  };
}
