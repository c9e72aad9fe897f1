import { randomUUID } from 'node:crypto';
import type { Config } from '../config.ts';
import { createExportService, type ExportService } from '../fhir/bulk/export-service.ts';
import type { ExportStore } from '../fhir/bulk/export-store.ts';
import { createExportWorker, type ExportWorker } from '../fhir/bulk/export-worker.ts';
import { createExportStore } from '../storage/bulk/export-store.ts';
import { createResourceStore } from '../storage/resource-store.ts';
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
}

/** Bulk Data export: its jobs in the database, a worker that runs them, the service the FHIR API calls. */
export function buildBulkWing(config: Config, { storage, fhir }: { storage: StorageWing; fhir: FhirWing }, { now, log }: Runtime): BulkWing {
  const settings = config.bulkExport;
  const store = createExportStore(storage.db, { files: settings.files, directory: settings.directory });
  // The worker is background work on the FHIR pool: it waits for a connection rather than being refused one.
  const exportDb = storage.db.background();
  // Its pages are read on the replica when there is one. Bulk Data's transactionTime promises every change up to the
  // kick-off: a change made within the replica's lag before it may be missing (README, "Read replicas").
  const exportRepository = createResourceStore(exportDb, { indexResource: fhir.indexResource, now, ...(storage.readDb ? { replica: storage.readDb.background() } : {}) });
  const worker = createExportWorker({
    runner: {
      store: createExportStore(exportDb, { files: settings.files, directory: settings.directory }),
      repository: exportRepository,
      jsonReader: exportRepository,
      resourceTypes: fhir.definitions.resourceTypes,
      searchRegistry: fhir.searchRegistry,
      settings: fhir.fhir.settings,
      compartment: fhir.compartment,
      index: fhir.indexResource,
      now,
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
  const service = createExportService({
    store,
    fhir: fhir.fhir,
    compartment: fhir.compartment,
    settings: {
      maxConcurrentPerClient: settings.maxConcurrentPerClient,
      retentionSeconds: settings.retentionSeconds,
      retryAfterSeconds: Math.max(1, Math.ceil(settings.pollIntervalMs / 1000)),
    },
    wake: () => worker.wake(),
  });
  return { store, worker, service };
}
