/** A FHIR resource as JSON. Validation (src/fhir/validation) decides what a well-formed one is. */
export interface Resource {
  resourceType: string;
  id?: string;
  meta?: Meta;
  [element: string]: unknown;
}

export interface Meta {
  versionId?: string;
  lastUpdated?: string;
  profile?: string[];
  [element: string]: unknown;
}

/** A stored version of a resource: what read, vread, history and search return. */
export interface ResourceRecord {
  resourceType: string;
  id: string;
  versionId: string;
  /** FHIR instant, e.g. 2026-11-23T19:22:46.837Z */
  lastUpdated: string;
  deleted: boolean;
  /** The resource with meta.versionId/meta.lastUpdated set. For a deleted version, a stub with id and meta. */
  resource: Resource;
  /** Interaction that made this version: POST, PUT or DELETE (history's entry.request.method). */
  method?: 'POST' | 'PUT' | 'DELETE' | 'PATCH';
}

/**
 * A resource id (FHIR R4 datatypes.html#id): 1 to 64 letters, digits, '-' and '.'. ID_SOURCE is the
 * unanchored pattern, for regular expressions that embed an id (`Patient/<id>`, a search reference).
 */
export const ID_SOURCE = '[A-Za-z0-9\\-.]{1,64}';
export const ID_PATTERN = new RegExp(`^${ID_SOURCE}$`);
