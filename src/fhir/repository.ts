import type { Resource, ResourceRecord } from './resource.ts';
import type { NdjsonPage, SearchRequest, SearchResult } from './search/search-request.ts';

/**
 * The FHIR layer's port to storage. Implemented in src/storage (SQL); the FHIR layer never sees SQL.
 * A store stamps meta.versionId and meta.lastUpdated and keeps the search index in step with
 * every write, in the same transaction.
 */
export interface ResourceReader {
  /** The current version, deleted or not; undefined if the id was never used. */
  read(resourceType: string, id: string): Promise<ResourceRecord | undefined>;
  vread(resourceType: string, id: string, versionId: string): Promise<ResourceRecord | undefined>;
  search(request: SearchRequest): Promise<SearchResult>;
  /** Inside a unit of work, history sees the unit's own writes (and cannot wait on it). */
  history(request: HistoryRequest): Promise<HistoryPage>;
}

export interface SaveInput {
  /** Must carry resourceType and id. meta.versionId/lastUpdated are overwritten. */
  resource: Resource;
  /** create: fails with 409 when the id is live. update: creates or replaces. */
  mode: 'create' | 'update';
  /** If-Match: the write fails with 412 unless the current version is this one. */
  ifMatchVersion?: string;
}

export interface SaveResult {
  record: ResourceRecord;
  /** True when no live version existed before (new id, or re-created after delete). */
  created: boolean;
}

export interface ResourceWriter extends ResourceReader {
  save(input: SaveInput): Promise<SaveResult>;
  /** Marks the resource deleted (a new version). Undefined when there is no live resource to delete. */
  delete(resourceType: string, id: string, ifMatchVersion?: string): Promise<ResourceRecord | undefined>;
}

export interface HistoryRequest {
  resourceType?: string;
  id?: string;
  /** _since: versions updated at or after this instant (FHIR R4 http.html#history). */
  since?: string;
  /** _at: versions current at this instant. */
  at?: string;
  count: number;
  /** Opaque position from a previous page. */
  cursor?: string;
}

export interface HistoryPage {
  entries: ResourceRecord[];
  /** Cursor of the next (older) page, when there is one. */
  next?: string;
  total?: number;
}

/**
 * Search results as the stored JSON text, for bulk export's unfiltered path. Deliberately not part
 * of ResourceRepository: a constrained repository (scopes, policies) cannot offer it, so only an
 * export whose access is unconstrained is given one.
 */
export interface ResourceJsonReader {
  /** One page of a search's matches (no includes, no total) as NDJSON. */
  searchNdjson(request: SearchRequest): Promise<NdjsonPage>;
  /** Which of these resource types have at least one live resource. */
  presentTypes(types: readonly string[]): Promise<Set<string>>;
}

export interface ResourceRepository extends ResourceReader {
  /** One unit of work: every write inside commits together or not at all. */
  transaction<T>(fn: (writer: ResourceWriter) => Promise<T>): Promise<T>;
}
