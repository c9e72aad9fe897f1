import type { ResourceInspector } from './validation/validate-resource.ts';
import type { FhirAccess } from './access/access-port.ts';
import type { AuditLog } from './audit/audit-log.ts';
import type { AuditedEntries, FhirAuditor } from './audit/fhir-auditor.ts';
import type { FhirDefinitions } from './definitions.ts';
import type { OperationOutcome } from './outcome.ts';
import type { ResourceReader, ResourceRepository, ResourceWriter } from './repository.ts';
import type { Resource } from './resource.ts';
import type { SearchParameterRegistry } from './search/registry.ts';
import type { Terminology } from './terminology/terminology.ts';

/**
 * One FHIR REST request, independent of the web framework: the HTTP layer builds it from the
 * URL, headers and parsed body; batch/transaction builds it from a Bundle entry.
 */
export interface FhirRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
  /** Path below the FHIR base, without leading slash or query: `Patient/123/_history/2`. */
  path: string;
  /** Query parameters in order, repeated names kept (AND semantics). */
  query: [string, string][];
  /** The query string as sent, still percent-encoded, without `?`; absent when there is none. For answers that quote the request's URL. */
  rawQuery?: string;
  /** Parsed JSON body, when the request has one. */
  body?: unknown;
  headers: FhirRequestHeaders;
}

export interface FhirRequestHeaders {
  ifMatch?: string;
  ifNoneMatch?: string;
  ifNoneExist?: string;
  ifModifiedSince?: string;
  /** Prefer: return=minimal|representation|OperationOutcome; handling=strict|lenient; respond-async */
  prefer?: string;
  /** Accept as sent: an operation that answers in fewer formats than the rest of the API checks it itself. */
  accept?: string;
  /** The body's media type, lower case, without parameters: which patch format a PATCH carries. */
  contentType?: string;
}

export interface FhirResponse {
  status: number;
  body?: Resource | OperationOutcome;
  /**
   * `body` already serialized as JSON (UTF-8 bytes), when the interaction keeps it so (the CapabilityStatement):
   * sent as it is rather than stringified and encoded again. The same content as `body`, which stays for
   * whoever reads the answer.
   */
  bodyJson?: Uint8Array;
  /** ETag, Location, Content-Location, Last-Modified ... */
  headers?: Record<string, string>;
}

export interface FhirSettings {
  /** Absolute FHIR base URL, no trailing slash (fullUrl, Location and paging links). */
  baseUrl: string;
  defaultPageSize: number;
  maxPageSize: number;
  /** Entries a batch or transaction Bundle may hold (FHIR_MAX_BUNDLE_ENTRIES). */
  maxBundleEntries: number;
  /** Resources one include rule may add to a page (FHIR_MAX_INCLUDES); absent: 10,000. */
  maxIncludes?: number;
}

/** Checks a resource against the R4 structure definitions; throws FhirError (400/422) when it is not valid. */
export type ResourceValidator = (resource: unknown, expectedType?: string) => Resource;

export interface FhirDeps {
  repository: ResourceRepository;
  /** The tenant's audit trail, where reads and searches of AuditEvent go; absent: no AuditEvent is found. */
  auditLog?: AuditLog;
  definitions: FhirDefinitions;
  /** Search parameters by resource type and code, built once from the definitions. */
  searchRegistry: SearchParameterRegistry;
  settings: FhirSettings;
  validate: ResourceValidator;
  /** Validates without refusing, reporting warnings too: what `$validate` answers. */
  inspect: ResourceInspector;
  /** Code systems and value sets for the terminology operations; absent: they are not served. */
  terminology?: Terminology;
  newId: () => string;
  now: () => Date;
  /** What GET /metadata serves: built once per app (src/fhir/capability-statement.ts). */
  capabilityStatement: Resource;
  /** The caller's access (scopes and the indexer to enforce them); absent = full access (root client). */
  access?: FhirAccess;
  /** Records each request's AuditEvent (absent: not audited — a unit's own internal reads). */
  audit?: FhirAuditor;
  /** Who asks, as the key what they start for later requests is kept under (a bulk export job); set per request from the credentials. */
  requester?: string;
}

/** Deps inside a unit of work (batch/transaction): reads and writes go through the writer. */
export interface FhirUnitDeps extends FhirDeps {
  writer?: ResourceWriter;
  /** Where the router puts each batch or transaction entry it answers, for the audit trail (src/fhir/audit). */
  auditEntries?: AuditedEntries;
}

/** The route's parsed path: what `Patient/123/_history/2` names. */
export interface FhirRoute {
  resourceType?: string;
  id?: string;
  versionId?: string;
  /** `$export`, `$everything` ... */
  operation?: string;
}

export type Interaction = (request: FhirRequest, route: FhirRoute, deps: FhirUnitDeps) => Promise<FhirResponse>;

/** The reader a request sees: the unit of work's writer inside batch/transaction, else the repository. */
export const readerOf = (deps: FhirUnitDeps): ResourceReader => deps.writer ?? deps.repository;

/** Runs a write in the caller's unit of work, or in a fresh transaction. */
export function inUnit<T>(deps: FhirUnitDeps, fn: (writer: ResourceWriter) => Promise<T>): Promise<T> {
  return deps.writer ? fn(deps.writer) : deps.repository.transaction(fn);
}
