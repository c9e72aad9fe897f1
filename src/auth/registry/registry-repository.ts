/**
 * The storage port shared by the authorization server's own resources (Client, User, AccessPolicy).
 * Implemented in src/storage/auth (SQL); the auth domain never sees SQL. A store stamps
 * meta.versionId and meta.lastUpdated on every write and keeps meta._tenant as given.
 */
export interface RegistryMeta {
  versionId?: string;
  lastUpdated?: string;
  /** The tenant the resource belongs to (Aidbox's `meta._tenant`), when any. */
  _tenant?: string;
  [element: string]: unknown;
}

/** Every registry resource: a JSON object with a resourceType, an id and meta. */
export interface RegistryResource {
  resourceType: string;
  id?: string;
  meta?: RegistryMeta;
  [element: string]: unknown;
}

/** A resource as stored: id and meta.versionId/lastUpdated always present. */
export type Stored<T extends RegistryResource> = T & {
  id: string;
  meta: RegistryMeta & { versionId: string; lastUpdated: string };
};

export interface PutResult<T extends RegistryResource> {
  resource: Stored<T>;
  /** True when no resource had this id before. */
  created: boolean;
}

export interface ListRequest {
  count: number;
  offset: number;
  /** Only the resources bound to this tenant (meta._tenant); absent: all. */
  tenant?: string;
  /** Only the resources whose `owner` is this reference (`User/<id>`: a developer's Clients); absent: all. */
  owner?: string;
}

export interface ListPage<T extends RegistryResource> {
  /** In a stable order (by id). */
  resources: Stored<T>[];
  total: number;
}

/**
 * Plain persistence, no validation: callers validate first (see src/auth/clients/validate-client.ts and
 * friends). Deletes are real deletes; these resources have no history.
 */
export interface RegistryRepository<T extends RegistryResource> {
  get(id: string): Promise<Stored<T> | undefined>;
  /**
   * Inside a unit of work: reads the resource and holds its row until the unit ends, so a read-modify-write
   * starts from every write committed before it and none slips in before its own.
   */
  getForUpdate(id: string): Promise<Stored<T> | undefined>;
  /**
   * Replaces the stored resource only while its version is still `versionId` (compare-and-swap): undefined when
   * another write came first, so a read-modify-write never overwrites what it did not read.
   */
  replaceIfUnchanged(resource: T & { id: string }, versionId: string): Promise<PutResult<T> | undefined>;
  /** Create or replace under resource.id (which must be set). */
  put(resource: T & { id: string }): Promise<PutResult<T>>;
  /** Create under resource.id only while no resource has it: undefined when one does (written meanwhile, perhaps). */
  insertIfAbsent(resource: T & { id: string }): Promise<PutResult<T> | undefined>;
  /** Create under a new server-assigned UUID; any id on the input is ignored. */
  create(resource: T): Promise<Stored<T>>;
  /** False when there was nothing to delete. */
  delete(id: string): Promise<boolean>;
  list(request: ListRequest): Promise<ListPage<T>>;
}

/** A write broke a uniqueness rule (a User's email already taken). Carries the field at fault. */
export class RegistryConflictError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
    this.name = 'RegistryConflictError';
  }
}
