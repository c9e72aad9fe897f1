import type { FhirDefinitions, SearchParameterDefinition } from './definitions.ts';
import type { Resource } from './resource.ts';
import type { SearchParam, SearchParameterRegistry } from './search/registry.ts';
import { US_CORE_PROFILES, US_CORE_SERVER_CAPABILITY_STATEMENT, US_CORE_VERSION } from './us-core/profiles.ts';

export interface CapabilityStatementOptions {
  definitions: FhirDefinitions;
  /** The parameters the search engine supports: only those are advertised. */
  searchRegistry: SearchParameterRegistry;
  /** Absolute FHIR base URL (implementation.url). */
  baseUrl: string;
  /** CapabilityStatement.date: when this server's statement was built. */
  date: Date;
  softwareVersion?: string;
  /**
   * rest[0].security, e.g. the SMART on FHIR `oauth-uris` extension and service coding
   * (SMART App Launch 2.x conformance): supplied by the authorization server once it exists.
   */
  security?: Record<string, unknown>;
}

interface SearchParamEntry {
  name: string;
  definition: string;
  type: SearchParameterDefinition['type'];
}

/** Bulk Data Access 2.0.0 §"Server Capability Documentation": the statement a server offering `$export` instantiates. */
const BULK_DATA = 'http://hl7.org/fhir/uv/bulkdata';

/** Every type can be reached by its Provenance (US Core: _revinclude=Provenance:target). */
const PROVENANCE_TARGET = 'Provenance:target';

/** How every resource type but AuditEvent is written and read (its interactions are the router's: capability-rest.ts). */
const READ_WRITE = {
  versioning: 'versioned-update',
  readHistory: true,
  updateCreate: true,
  conditionalCreate: true,
  conditionalRead: 'full-support',
  conditionalUpdate: true,
  conditionalDelete: 'single',
};
// AuditEvents are written by the audit trail only (src/fhir/audit/audit-event-writes.ts) and read from it
// (src/fhir/audit/audit-event-reader.ts): one version each, so an instance's history; no type history, no includes.
const AUDIT_EVENT = 'AuditEvent';
const READ_ONLY = {
  versioning: 'versioned',
  readHistory: true,
  conditionalRead: 'full-support',
};

/**
 * The CapabilityStatement (FHIR R4 capabilitystatement.html) of what this server really does:
 * search parameters are those the search engine supports (its registry), with their canonical
 * definitions. Built once at composition time; the interactions and operations are added from the
 * router's own tables when GET /metadata first serves it (capability-rest.ts), so that the statement
 * lists what the router dispatches and nothing else.
 */
export function buildCapabilityStatement(options: CapabilityStatementOptions): Resource {
  const { definitions, searchRegistry } = options;
  // Canonical URL of each parameter by `base|code`; the first definition wins, as in the registry.
  const urls = new Map<string, string>();
  for (const sp of definitions.searchParameters) {
    for (const base of sp.base) if (!urls.has(`${base}|${sp.code}`)) urls.set(`${base}|${sp.code}`, sp.url);
  }
  const url = (type: string, code: string) =>
    urls.get(`${type}|${code}`) ?? urls.get(`Resource|${code}`) ?? urls.get(`DomainResource|${code}`) ?? '';
  const entries = (type: string, params: Iterable<SearchParam>): SearchParamEntry[] =>
    [...params].map((p) => ({ name: p.code, definition: url(type, p.code), type: p.type }));

  const revIncludes = new Map<string, Set<string>>();
  for (const type of definitions.resourceTypes) {
    // AuditEvents are not in the resource tables another type's search includes from.
    if (type === AUDIT_EVENT) continue;
    for (const param of searchRegistry.forType(type).values()) {
      if (param.type !== 'reference') continue;
      for (const target of param.targets) {
        if (!revIncludes.has(target)) revIncludes.set(target, new Set());
        revIncludes.get(target)?.add(`${type}:${param.code}`);
      }
    }
  }

  const resource = [...definitions.resourceTypes].sort().map((type) => {
    const params = entries(type, searchRegistry.forType(type).values());
    const references = params.filter((p) => p.type === 'reference');
    const profiles = US_CORE_PROFILES[type];
    return {
      type,
      ...(profiles ? { supportedProfile: [...profiles] } : {}),
      ...(type === AUDIT_EVENT ? READ_ONLY : READ_WRITE),
      // FHIR R4 json.html: an array is never empty; a type with nothing to include leaves the element out.
      ...nonEmpty('searchInclude', type === AUDIT_EVENT ? [] : references.map((p) => `${type}:${p.name}`)),
      ...nonEmpty('searchRevInclude', type === AUDIT_EVENT ? [] : [...new Set([...(revIncludes.get(type) ?? []), PROVENANCE_TARGET])].sort()),
      ...nonEmpty('searchParam', params),
    };
  });

  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: options.date.toISOString(),
    publisher: 'Portico',
    kind: 'instance',
    instantiates: [US_CORE_SERVER_CAPABILITY_STATEMENT, `${BULK_DATA}/CapabilityStatement/bulk-data`],
    software: { name: 'Portico', ...(options.softwareVersion ? { version: options.softwareVersion } : {}) },
    implementation: { description: 'Portico FHIR R4 server', url: options.baseUrl },
    fhirVersion: '4.0.1',
    format: ['json', 'application/fhir+json'],
    // FHIR R4 http.html#patch: JSON Patch, and FHIRPath Patch as a Parameters.
    patchFormat: ['application/json-patch+json', 'application/fhir+json'],
    implementationGuide: [`http://hl7.org/fhir/us/core/ImplementationGuide/hl7.fhir.us.core|${US_CORE_VERSION}`],
    rest: [
      {
        mode: 'server',
        ...(options.security ? { security: options.security } : {}),
        resource,
        searchParam: entries('Resource', searchRegistry.forType('').values()),
      },
    ],
  };
}

function nonEmpty<K extends string, T>(key: K, values: T[]): Partial<Record<K, T[]>> {
  return values.length > 0 ? ({ [key]: values } as Record<K, T[]>) : {};
}
