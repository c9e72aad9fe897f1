import type { PatientCompartment } from '../access/patient-compartment.ts';
import { unitFor } from '../authorization/guard-interaction.ts';
import type { FhirAccess } from '../access/access-port.ts';
import type { FhirDeps } from '../interaction.ts';
import { FhirError, issue } from '../outcome.ts';
import { confinedToCompartment, exportAccess } from './export-access.ts';
import type { ExportFile, ExportJob, ExportLevel } from './export-job.ts';
import { buildManifest, type ExportManifest } from './export-manifest.ts';
import { parseExportParameters } from './export-parameters.ts';
import { exportTypes } from './export-plan.ts';
import type { ExportStore } from './export-store.ts';

/** Who asks: the client (the root client has a key of its own) and what its token reaches (absent: everything). */
export interface ExportCaller {
  clientKey: string;
  access?: FhirAccess;
}

export interface KickOffInput {
  level: ExportLevel;
  groupId?: string;
  method: 'GET' | 'POST';
  /** The kick-off URL below the FHIR base, with its query (`Group/1/$export?_type=Patient`). */
  relativeUrl: string;
  query: [string, string][];
  body?: unknown;
  accept?: string;
  prefer?: string;
}

export type StatusResponse =
  | { status: 202; progress: string; retryAfterSeconds: number }
  | { status: 200; manifest: ExportManifest; expires: string };

export interface ExportServiceSettings {
  /** Queued or running exports one client may have at once; more → 429. */
  maxConcurrentPerClient: number;
  /** Seconds a job (and its files) is kept. */
  retentionSeconds: number;
  /** Seconds a client is told to wait between status polls, and after a 429. */
  retryAfterSeconds: number;
}

export interface ExportServiceDeps {
  store: ExportStore;
  fhir: Pick<FhirDeps, 'repository' | 'definitions' | 'searchRegistry' | 'settings' | 'newId' | 'now'>;
  compartment: PatientCompartment;
  settings: ExportServiceSettings;
  /** Lets a worker in this process start at once. */
  wake: () => void;
}

export interface ExportService {
  kickOff(input: KickOffInput, caller: ExportCaller): Promise<{ statusUrl: string }>;
  status(jobId: string, caller: ExportCaller): Promise<StatusResponse>;
  cancel(jobId: string, caller: ExportCaller): Promise<void>;
  file(jobId: string, fileNo: number, caller: ExportCaller): Promise<AsyncIterable<string | Uint8Array>>;
}

/** Where status and files are served, below the FHIR base. */
export const STATUS_PATH = '$export-status';
export const FILE_PATH = '$export-file';

const JSON_ACCEPT = /(^|[\s,])(\*\/\*|application\/\*|application\/(fhir\+)?json)\s*(;|,|$)/i;

/** Bulk Data Access 2.0.0: kick-off, status, cancel and file download, framework-free. */
export function createExportService(deps: ExportServiceDeps): ExportService {
  const base = deps.fhir.settings.baseUrl;
  const statusUrl = (id: string) => `${base}/${STATUS_PATH}/${id}`;
  const fileUrl = (id: string) => (fileNo: number) => `${base}/${FILE_PATH}/${id}/${fileNo}`;

  /** The caller's own job; another client's is refused as if it did not exist for it. */
  const ownJob = async (jobId: string, caller: ExportCaller): Promise<ExportJob> => {
    const job = await deps.store.get(jobId);
    const now = deps.fhir.now();
    if (!job || Date.parse(job.expiresAt) <= now.getTime()) {
      throw new FhirError(404, issue('not-found', `No bulk export ${jobId}: it was cancelled, has expired, or never existed`));
    }
    if (job.clientId !== caller.clientKey) {
      throw new FhirError(403, issue('forbidden', `Bulk export ${jobId} belongs to another client`));
    }
    return job;
  };

  return {
    async kickOff(input, caller) {
      // Bulk Data Access 2.0.0 §"Headers": only application/fhir+json outcomes, only async.
      if (input.accept !== undefined && input.accept !== '' && !JSON_ACCEPT.test(input.accept)) {
        throw new FhirError(400, issue('not-supported', `Accept: ${input.accept} is not supported; send Accept: application/fhir+json`));
      }
      const prefer = (input.prefer ?? '').split(/[,;]/).map((p) => p.trim().toLowerCase());
      if (input.prefer !== undefined && !prefer.includes('respond-async')) {
        throw new FhirError(400, issue('not-supported', '$export runs asynchronously only: send Prefer: respond-async'));
      }
      const request = parseExportParameters({
        level: input.level,
        ...(input.groupId !== undefined ? { groupId: input.groupId } : {}),
        url: `${base}/${input.relativeUrl}`,
        method: input.method,
        query: input.query,
        body: input.body,
        lenient: prefer.includes('handling=lenient'),
        resourceTypes: deps.fhir.definitions.resourceTypes,
        searchRegistry: deps.fhir.searchRegistry,
        settings: deps.fhir.settings,
      });
      if (input.level === 'group') await checkGroup(input.groupId ?? '', caller, deps);
      const types = exportTypes(request, deps.fhir.definitions.resourceTypes, deps.compartment);
      const access = exportAccess(caller.access, [...types.main, ...types.referenced], request.types ?? []);
      if (input.level === 'system' && confinedToCompartment(access)) {
        throw new FhirError(403, issue('forbidden', "The access token reaches one patient's compartment only: export it with Patient/$export"));
      }

      const now = deps.fhir.now();
      const id = deps.fhir.newId();
      const created = await deps.store.create(
        { id, clientId: caller.clientKey, request, access, transactionTime: now, expiresAt: new Date(now.getTime() + deps.settings.retentionSeconds * 1000) },
        deps.settings.maxConcurrentPerClient,
        now,
      );
      if (!created) {
        throw new FhirError(
          429,
          issue('throttled', `This client already has ${deps.settings.maxConcurrentPerClient} exports in progress; wait for one to finish or cancel one`),
          { 'Retry-After': String(deps.settings.retryAfterSeconds) },
        );
      }
      deps.wake();
      return { statusUrl: statusUrl(id) };
    },

    async status(jobId, caller) {
      const job = await ownJob(jobId, caller);
      if (job.status === 'queued' || job.status === 'running') {
        return { status: 202, progress: job.status === 'queued' ? 'queued' : (job.progress ?? 'running'), retryAfterSeconds: deps.settings.retryAfterSeconds };
      }
      const files: ExportFile[] = await deps.store.files(job.id);
      if (job.status === 'failed' && !files.some((f) => f.kind === 'error' && f.count > 0)) {
        throw new FhirError(500, issue('exception', 'The export failed; request it again'));
      }
      return { status: 200, manifest: buildManifest(job, files, fileUrl(job.id)), expires: job.expiresAt };
    },

    async cancel(jobId, caller) {
      await ownJob(jobId, caller);
      // Deleting the job ends its worker's lease: its next write is refused and it stops.
      await deps.store.remove(jobId);
    },

    async file(jobId, fileNo, caller) {
      const job = await ownJob(jobId, caller);
      // A running job's files are not listed yet: the manifest comes with completion.
      const content = job.status === 'completed' || job.status === 'failed' ? await deps.store.readFile(job.id, fileNo) : 'no-file';
      if (content === 'no-file') throw new FhirError(404, issue('not-found', `Bulk export ${jobId} has no file ${fileNo}`));
      if (content === 'content-gone') throw new FhirError(500, issue('exception', `The content of bulk export ${jobId} file ${fileNo} is missing from the server's export storage; request the export again`));
      return content;
    },
  };
}

/** A Group export needs the Group to exist and the token to be allowed to read it. */
async function checkGroup(groupId: string, caller: ExportCaller, deps: ExportServiceDeps): Promise<void> {
  // Decided and constrained as a GET Group/{id}: 403 when the token may not read Groups, and a Group
  // outside its reach is not there for it (404).
  const { repository } = unitFor('read', { resourceType: 'Group', id: groupId }, { ...deps.fhir, ...(caller.access ? { access: caller.access } : {}) });
  const group = await repository.read('Group', groupId);
  if (!group || group.deleted) throw new FhirError(404, issue('not-found', `Group/${groupId} is not known`));
}
