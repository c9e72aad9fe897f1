import type { PatientCompartment } from '../access/patient-compartment.ts';
import { auditEventRepository } from '../audit/audit-event-reader.ts';
import type { AuditLog } from '../audit/audit-log.ts';
import { constrainRepository } from '../authorization/constrained-repository.ts';
import type { FhirSettings } from '../interaction.ts';
import { issue, outcome, type OutcomeIssue } from '../outcome.ts';
import type { ResourceJsonReader, ResourceReader, ResourceRepository } from '../repository.ts';
import { ID_SOURCE, type Resource } from '../resource.ts';
import type { SearchIndexRows } from '../search/index-rows.ts';
import { parseSearchRequest } from '../search/parse-search.ts';
import type { SearchParameterRegistry } from '../search/registry.ts';
import type { Condition, NdjsonPage, SearchRequest } from '../search/search-request.ts';
import { subsetResource } from '../search/subset.ts';
import { StorageFault } from '../storage-fault.ts';
import { recordedAccess } from './export-access.ts';
import { createExportFileWriter, LeaseLostError, type ExportFileWriter, type FileLimits, type PageCopy } from './export-file-writer.ts';
import type { ExportJob } from './export-job.ts';
import { exportTypes } from './export-plan.ts';
import type { ExportLease, ExportStore } from './export-store.ts';

export interface ExportRunnerDeps {
  store: ExportStore;
  repository: ResourceRepository;
  /** The tenant's audit trail, where AuditEvents are read (never in the resource tables); absent: none. */
  auditLog?: AuditLog;
  /** The same resources as stored JSON text: used only where the job's access is unconstrained. */
  jsonReader: ResourceJsonReader;
  resourceTypes: ReadonlySet<string>;
  searchRegistry: SearchParameterRegistry;
  settings: FhirSettings;
  compartment: PatientCompartment;
  index: (resource: Resource) => SearchIndexRows;
  now: () => Date;
  /** True once the process is shutting down: the job in hand is given back to the queue. */
  stopped?: () => boolean;
  /**
   * The resources of a job's partition (ExportJob.partition) and the FHIR base they are served under, when jobs
   * of several partitions share this runner; absent: `repository`, `jsonReader` and `settings` for every job.
   */
  partition?: (partition: string) => Pick<ExportRunnerDeps, 'repository' | 'jsonReader' | 'settings' | 'auditLog'>;
  limits: FileLimits & {
    /** Resources read per database page. */
    pageSize: number;
    /** Seconds a finished job's files are kept. */
    retentionSeconds: number;
  };
}

/** Types exported at once where resources go out as stored (each stream holds a database connection). */
const PARALLEL_STREAMS = 2;
/** How often a running job renews its lease and reports its progress (at most; more often for short leases). */
const BEAT_EVERY_MS = 1000;
/** Ids looked up per query when exporting referenced resources. */
const ID_BATCH = 200;
/** A FHIR reference to a local resource: `Practitioner/123`, or absolute under our base. */
const LOCAL_REFERENCE = new RegExp(`^(?:(.*)/)?([A-Z][A-Za-z]+)/(${ID_SOURCE})$`);

export type RunResult = 'completed' | 'failed' | 'lost';

/** One type's stored-text read: its conditions, and where a share of it starts. */
type StoredSearch = Pick<SearchRequest, 'conditions' | 'cursor'> & { resourceType: string };

/**
 * Runs one claimed export job to the end: streams every covered type from the database page by
 * page into NDJSON files (one type per file), within the access recorded at kick-off, renewing
 * the lease as it goes. Resources are those current at the job's transactionTime.
 */
export async function runExport(job: ExportJob, lease: ExportLease, runnerDeps: ExportRunnerDeps): Promise<RunResult> {
  const deps: ExportRunnerDeps = runnerDeps.partition ? { ...runnerDeps, ...runnerDeps.partition(job.partition) } : runnerDeps;
  let files = 0;
  // Writers share the file numbering: parallel streams each write their own files.
  const newWriter = () => createExportFileWriter(deps.store, job.id, lease.owner, deps.limits, () => files++);
  const writer = newWriter();
  let progress = 'starting';
  let lastBeat: number | undefined;
  const beat = async () => {
    if (deps.stopped?.()) {
      await deps.store.release(job.id, lease.owner);
      throw new LeaseLostError(job.id);
    }
    // Renewed by the clock, not per page: every file and chunk the writer stores is checked against
    // the lease anyway, so a lost lease still stops the job at its next write.
    const now = deps.now();
    if (lastBeat !== undefined && now.getTime() - lastBeat < Math.min(BEAT_EVERY_MS, (lease.leaseSeconds * 1000) / 3)) return;
    lastBeat = now.getTime();
    if (!(await deps.store.heartbeat(job.id, lease, progress, now))) throw new LeaseLostError(job.id);
  };
  try {
    await exportAll(job, deps, writer, newWriter, (p) => {
      progress = p;
      return beat();
    });
    await writer.close();
    return (await finish(job, lease, deps, 'completed')) ? 'completed' : 'lost';
  } catch (err) {
    if (err instanceof LeaseLostError) return 'lost';
    try {
      await writer.close();
      await writer.write('error', outcome(stoppedBy(err, progress)));
      await writer.close();
    } catch (inner) {
      if (inner instanceof LeaseLostError) return 'lost';
    }
    return (await finish(job, lease, deps, 'failed')) ? 'failed' : 'lost';
  }
}

/** What the error file says stopped the export. */
function stoppedBy(err: unknown, progress: string): OutcomeIssue {
  if (err instanceof StorageFault && err.kind === 'too-costly') {
    return issue('too-costly', `The export stopped while ${progress}: a query took longer than this server allows; narrow it (_type, _since, _typeFilter) and request it again`);
  }
  if (err instanceof StorageFault) return issue('transient', `The export stopped while ${progress}: ${err.description}; request it again`);
  return issue('exception', `The export stopped with an internal error while ${progress}; request it again`);
}

/** Marks a job that could not run (too many attempts) failed, with an error file saying so. */
export async function failExport(job: ExportJob, lease: ExportLease, deps: ExportRunnerDeps, diagnostics: string): Promise<RunResult> {
  const writer = createExportFileWriter(deps.store, job.id, lease.owner, deps.limits);
  try {
    await writer.write('error', outcome(issue('exception', diagnostics)));
    await writer.close();
  } catch (err) {
    if (err instanceof LeaseLostError) return 'lost';
    throw err;
  }
  return (await finish(job, lease, deps, 'failed')) ? 'failed' : 'lost';
}

async function finish(job: ExportJob, lease: ExportLease, deps: ExportRunnerDeps, status: 'completed' | 'failed'): Promise<boolean> {
  const now = deps.now();
  const expiresAt = new Date(now.getTime() + deps.limits.retentionSeconds * 1000);
  return deps.store.finish(job.id, lease.owner, { status, completedAt: now, expiresAt });
}

async function exportAll(
  job: ExportJob,
  deps: ExportRunnerDeps,
  writer: ExportFileWriter,
  newWriter: () => ExportFileWriter,
  beat: (progress: string) => Promise<void>,
) {
  const { request } = job;
  for (const value of request.unsupportedAssociatedData ?? []) {
    await writer.write('error', outcome(issue('not-supported', `includeAssociatedData=${value} is not supported; the export was run without it`, undefined, 'warning')));
  }
  const types = exportTypes(request, deps.resourceTypes, deps.compartment);
  const access = job.access;
  const allowed = (type: string) => access.kind === 'full' || access.types[type] !== undefined;
  // AuditEvents from the audit trail; `outcomeDesc` for the root client only, as over the FHIR API.
  const repository = auditEventRepository(deps.repository, {
    log: deps.auditLog,
    redact: access.kind !== 'full',
    registry: deps.searchRegistry,
    baseUrl: deps.settings.baseUrl,
  });
  const readerFor = (type: string): ResourceReader =>
    access.kind === 'full'
      ? repository
      : constrainRepository(repository, {
          access: recordedAccess(access, deps.index),
          resourceType: type,
          constraints: access.types[type] ?? { kind: 'none' },
          match: { index: deps.index, searchRegistry: deps.searchRegistry, settings: deps.settings },
        });
  const timeConditions = (type: string | undefined): Condition[] => {
    const query: [string, string][] = [['_lastUpdated', `le${job.transactionTime}`]];
    if (request.since) query.push(['_lastUpdated', `gt${request.since}`]);
    return parseSearchRequest(type, query, { registry: deps.searchRegistry, settings: deps.settings, strict: true }).conditions ?? [];
  };
  const filterCondition = (type: string): Condition | undefined => {
    const queries = request.typeFilters?.[type];
    if (!queries) return undefined;
    const groups = queries.map(
      (query) => parseSearchRequest(type, query, { registry: deps.searchRegistry, settings: deps.settings, strict: true }).conditions ?? [],
    );
    return { kind: 'any-of', groups };
  };
  const elements = (type: string) =>
    (request.elements ?? []).flatMap((e) => (!e.includes('.') ? [e] : e.startsWith(`${type}.`) ? [e.slice(type.length + 1)] : []));

  const references = new Map<string, Set<string>>();
  const collect = (resource: Resource) => {
    if (types.referenced.length === 0) return;
    for (const [type, id] of localReferences(resource, deps.settings.baseUrl)) {
      if (!types.referenced.includes(type)) continue;
      if (!references.has(type)) references.set(type, new Set());
      references.get(type)?.add(id);
    }
  };

  /** Streams the matches of one type (and extra conditions) into its files; the number written. */
  const exportType = async (type: string, extra: Condition[]): Promise<number> => {
    const conditions = [...timeConditions(type), ...extra];
    const filter = filterCondition(type);
    if (filter) conditions.push(filter);
    const kept = elements(type);
    if (asStored(type) && kept.length === 0) return exportJson(writer, { resourceType: type, conditions }, `exporting ${type}`);
    const reader = readerFor(type);
    let written = 0;
    for await (const page of prefetched((cursor) => reader.search({ resourceType: type, count: deps.limits.pageSize, conditions, total: 'none', ...(cursor ? { cursor } : {}) }))) {
      for (const record of page.matches) {
        collect(record.resource);
        await writer.write('output', kept.length > 0 ? subsetResource(record.resource, { elements: kept }, deps.searchRegistry) : record.resource);
        written += 1;
      }
      await beat(`exporting ${type}`);
    }
    await writer.close();
    return written;
  };

  // Nothing to enforce per resource and no references to follow: resources go out as stored, never parsed.
  const unconstrained = (type: string) => access.kind === 'full' || access.types[type]?.kind === 'none';
  // AuditEvents are not in the resource tables the stored text is read from.
  const asStored = (type: string) => unconstrained(type) && types.referenced.length === 0 && type !== 'AuditEvent';
  /**
   * Streams one type's matches as their stored JSON text into `out`, from `cursor` on; the number
   * written. With `split`, a type longer than one page is shared: after the first page, the rest is
   * cut in PARALLEL_STREAMS partitions, this stream keeps the first and hands the others to `split`.
   */
  const exportJson = async (
    out: ExportFileWriter,
    search: StoredSearch,
    progress: string,
    split?: (rest: StoredSearch) => void,
  ): Promise<number> => {
    let written = 0;
    // Files in the database: the store copies each page itself, and no page passes through here.
    const copy = out.copyPage;
    const query = (request: StoredSearch, cursor: string | undefined) => ({ ...request, total: 'none' as const, ...(cursor ? { cursor } : {}) });
    const fetchPage = (request: StoredSearch) => (cursor: string | undefined) => deps.jsonReader.searchNdjson({ ...query(request, cursor), count: deps.limits.pageSize });
    /** Writes out a page read here (copied pages are written already); where the next page starts. */
    const writeOut = async (page: NdjsonPage | PageCopy) => {
      if ('ndjson' in page) await out.writeLines('output', search.resourceType, page.ndjson, page.count);
      written += page.count;
      await beat(progress);
      return page.next;
    };
    const onePage = async (request: StoredSearch, cursor: string | undefined) =>
      writeOut(await (copy ? copy(request.resourceType, query(request, cursor), deps.limits.pageSize) : fetchPage(request)(cursor)));
    let rest = search;
    if (split) {
      // The first page alone (no prefetch): whether the type is worth sharing is known only after it.
      const next = await onePage(search, undefined);
      if (!next) {
        await out.close();
        return written;
      }
      const share = (part: number) => ({ ...search, cursor: next, conditions: [...(search.conditions ?? []), { kind: 'partition' as const, of: PARALLEL_STREAMS, part }] });
      for (let part = 1; part < PARALLEL_STREAMS; part++) split(share(part));
      rest = share(0);
    }
    if (copy) {
      // One statement a page, reading and writing inside the database: nothing to overlap here.
      for (let cursor = await onePage(rest, rest.cursor); cursor; ) cursor = await onePage(rest, cursor);
    } else for await (const page of prefetched(fetchPage(rest), rest.cursor)) await writeOut(page);
    await out.close();
    return written;
  };

  const patients = request.level === 'group' ? await groupPatients(job, deps) : request.patients;
  if (patients && request.patients) {
    const asked = new Set(request.patients);
    patients.splice(0, patients.length, ...patients.filter((id) => asked.has(id)));
  }
  if (patients === undefined && !request.elements?.length && types.main.filter(allowed).every(asStored)) {
    // Stored text, type by type on parallel streams: the database's JSON-to-text work is the cost,
    // and each stream has its own connection (and core) for it.
    // Most of the ~140 resource types hold nothing: one query finds them, not a read each.
    const present = await deps.jsonReader.presentTypes(types.main.filter(allowed));
    const work = types.main.filter((type) => present.has(type)).map((type): StoredSearch => {
      const conditions = timeConditions(type);
      const filter = filterCondition(type);
      if (filter) conditions.push(filter);
      return { resourceType: type, conditions };
    });
    await onParallelStreams(work, (out, search, share) =>
      // A share (cursor set) is already a partition; a whole type may be split.
      exportJson(out, search, `exporting ${search.resourceType}`, search.cursor === undefined ? share : undefined), newWriter);
  } else for (const type of types.main) {
    if (!allowed(type)) continue;
    if (patients === undefined) {
      await exportType(type, []);
      continue;
    }
    if (patients.length === 0) continue;
    for (let i = 0; i < patients.length; i += ID_BATCH * 5) {
      await exportType(type, [patientCondition(type, patients.slice(i, i + ID_BATCH * 5), deps)]);
    }
  }

  // Referenced resources, until what they reference in turn is exported too.
  const done = new Map<string, Set<string>>();
  for (;;) {
    const pending = [...references].flatMap(([type, ids]) => {
      const seen = done.get(type) ?? new Set<string>();
      return [...ids].filter((id) => !seen.has(id)).map((id): [string, string] => [type, id]);
    });
    references.clear();
    if (pending.length === 0) break;
    for (const type of types.referenced) {
      if (!allowed(type)) continue;
      const ids = pending.filter(([t]) => t === type).map(([, id]) => id);
      const seen = done.get(type) ?? new Set<string>();
      done.set(type, seen);
      for (const id of ids) seen.add(id);
      for (let i = 0; i < ids.length; i += ID_BATCH) {
        await exportType(type, [{ kind: 'id', ids: ids.slice(i, i + ID_BATCH) }]);
      }
    }
  }

  if (request.since && request.level === 'system') {
    for (const type of types.main) {
      if (unconstrained(type)) await exportDeletions(type, request.since, job, deps, writer, beat);
    }
  }
}

/**
 * `_since` deletions (Bulk Data Access 2.0.0 §"deleted"): one transaction Bundle with a DELETE entry
 * per resource deleted after `since`. Only where the access is unconstrained: a deleted version keeps
 * no data that would show whose it was.
 */
async function exportDeletions(type: string, since: string, job: ExportJob, deps: ExportRunnerDeps, writer: ExportFileWriter, beat: (p: string) => Promise<void>) {
  let cursor: string | undefined;
  const after = Date.parse(since);
  const until = Date.parse(job.transactionTime);
  do {
    const page = await deps.repository.history({ resourceType: type, since, count: deps.limits.pageSize, ...(cursor ? { cursor } : {}) });
    for (const record of page.entries) {
      const at = Date.parse(record.lastUpdated);
      if (!record.deleted || at <= after || at > until) continue;
      await writer.write('deleted', {
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ request: { method: 'DELETE', url: `${record.resourceType}/${record.id}` } }],
      });
    }
    cursor = page.next;
    await beat(`listing deleted ${type}`);
  } while (cursor);
  await writer.close();
}

/** The Group's current, active Patient members (Bulk Data Access 2.0.0 §"Group"). */
async function groupPatients(job: ExportJob, deps: ExportRunnerDeps): Promise<string[]> {
  const groupId = job.request.groupId ?? '';
  const group = await deps.repository.read('Group', groupId);
  if (!group || group.deleted) return [];
  const members = Array.isArray(group.resource.member) ? (group.resource.member as { entity?: { reference?: unknown }; inactive?: unknown }[]) : [];
  const ids = new Set<string>();
  for (const member of members) {
    if (member.inactive === true || typeof member.entity?.reference !== 'string') continue;
    const ref = parseLocal(member.entity.reference, deps.settings.baseUrl);
    if (ref?.[0] === 'Patient') ids.add(ref[1]);
  }
  return [...ids];
}

function patientCondition(type: string, patients: string[], deps: ExportRunnerDeps): Condition {
  if (type === 'Patient') return { kind: 'id', ids: patients };
  const baseUrl = deps.settings.baseUrl;
  const values = patients.map((id) => ({ kind: 'local' as const, type: 'Patient', id, baseUrl }));
  return { kind: 'any-of', groups: deps.compartment.params(type).map((param) => [{ kind: 'reference', param, values }]) };
}

function parseLocal(reference: string, baseUrl: string): [string, string] | undefined {
  const m = LOCAL_REFERENCE.exec(reference);
  if (!m || (m[1] !== undefined && m[1] !== baseUrl) || m[2] === undefined || m[3] === undefined) return undefined;
  return [m[2], m[3]];
}

/** Every local `reference` in a resource, as [type, id]. */
function localReferences(value: unknown, baseUrl: string, out: [string, string][] = []): [string, string][] {
  if (Array.isArray(value)) for (const v of value) localReferences(v, baseUrl, out);
  else if (value && typeof value === 'object') {
    for (const [key, v] of Object.entries(value)) {
      if (key === 'reference' && typeof v === 'string') {
        const ref = parseLocal(v, baseUrl);
        if (ref) out.push(ref);
      } else if (typeof v === 'object') localReferences(v, baseUrl, out);
    }
  }
  return out;
}

/**
 * The pages of a keyset-paged read, each next one already asked for while the caller writes out the
 * one in hand (reading and writing overlap on two connections).
 */
async function* prefetched<P extends { next?: string }>(fetchPage: (cursor: string | undefined) => Promise<P>, from?: string): AsyncGenerator<P> {
  let pending = fetchPage(from);
  for (;;) {
    const page = await pending;
    if (page.next) {
      pending = fetchPage(page.next);
      // Awaited on the next turn; until then a failure must not count as unhandled.
      pending.catch(() => undefined);
    }
    yield page;
    if (!page.next) return;
  }
}

/**
 * Runs `work` over the items on PARALLEL_STREAMS streams, each with its own file writer. Work may
 * hand new items back (`share`); a stream with nothing to do waits while others may still do so.
 * After the first failure no stream starts another item; the first error is rethrown once all stop.
 */
async function onParallelStreams<T>(
  items: T[],
  work: (out: ExportFileWriter, item: T, share: (item: T) => void) => Promise<unknown>,
  newWriter: () => ExportFileWriter,
): Promise<void> {
  const queue = [...items];
  let busy = 0;
  let failed = false;
  let waiting: (() => void)[] = [];
  const wake = () => {
    const woken = waiting;
    waiting = [];
    for (const resume of woken) resume();
  };
  const share = (item: T) => {
    queue.unshift(item);
    wake();
  };
  const stream = async () => {
    const out = newWriter();
    while (!failed) {
      const item = queue.shift();
      if (item === undefined) {
        if (busy === 0) return;
        await new Promise<void>((resume) => waiting.push(resume));
        continue;
      }
      busy++;
      try {
        await work(out, item, share);
      } catch (err) {
        failed = true;
        throw err;
      } finally {
        busy--;
        wake();
      }
    }
  };
  const results = await Promise.allSettled(Array.from({ length: PARALLEL_STREAMS }, stream));
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}
