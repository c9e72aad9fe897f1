import type { RegistryRepository, RegistryResource, Stored } from './registry-repository.ts';
import { createTtlCache } from '../../shared/ttl-cache.ts';

/** A RegistryRepository with a read cache, which can be told of writes made around it. */
export interface CachedRegistryRepository<T extends RegistryResource> extends RegistryRepository<T> {
  /**
   * Forgets `id`, written by this process around this repository (in a transaction), once that write committed: the
   * next read asks the database, and a read that overlapped the write is not kept.
   */
  forgetWritten(id: string): void;
}

export interface RegistryReadCacheOptions {
  /** How long a read answer is reused; 0 turns the cache off. */
  ttlMs: number;
  maxEntries: number;
  nowMs: () => number;
}

/**
 * A RegistryRepository that reuses `get` answers (a Client is read on every token request) for
 * `ttlMs`. A write through this repository takes effect at once; one made by another process sharing
 * the database, within `ttlMs`. Every hit is a fresh copy parsed from the JSON kept, so no caller can
 * change what the next one reads (a parse costs a fraction of structuredClone, and a stored resource is
 * JSON by construction).
 *
 * "No such id" is remembered too, for as long: otherwise an unknown client_id cost a database read that a
 * known one did not, and its answer came measurably later (client enumeration by timing). Absent ids are
 * the caller's to choose, so they are kept apart, in a map of their own of the same size: a flood of
 * made-up ids can only push out other made-up ids, never a known resource.
 */
export function cacheRegistryReads<T extends RegistryResource>(repository: RegistryRepository<T>, options: RegistryReadCacheOptions): CachedRegistryRepository<T> {
  if (options.ttlMs <= 0) return { ...repository, forgetWritten: () => {} };
  // Each known resource as JSON; each absent id as `true`.
  const known = createTtlCache<string, string>(options.maxEntries);
  const absent = createTtlCache<string, true>(options.maxEntries);
  // Bumped by every write: a read that overlapped a write may hold the old version, so it is not kept.
  let writes = 0;
  const drop = (id: string) => {
    known.delete(id);
    absent.delete(id);
  };
  const forget = async <R>(write: () => Promise<R>, id: string | undefined): Promise<R> => {
    writes++;
    if (id !== undefined) drop(id);
    try {
      return await write();
    } finally {
      writes++;
      if (id !== undefined) drop(id);
    }
  };
  return {
    async get(id) {
      const now = options.nowMs();
      const json = known.get(id, now);
      if (json !== undefined) return JSON.parse(json) as Stored<T>;
      if (absent.get(id, now)) return undefined;
      const writesBefore = writes;
      const resource = await repository.get(id);
      if (writes === writesBefore) {
        if (resource) {
          absent.delete(id);
          known.set(id, JSON.stringify(resource), options.nowMs() + options.ttlMs);
        } else {
          known.delete(id);
          absent.set(id, true, options.nowMs() + options.ttlMs);
        }
      }
      return resource;
    },
    // A locking read is never served from the cache.
    getForUpdate: (id) => repository.getForUpdate(id),
    put: (resource) => forget(() => repository.put(resource), resource.id),
    insertIfAbsent: (resource) => forget(() => repository.insertIfAbsent(resource), resource.id),
    replaceIfUnchanged: (resource, versionId) => forget(() => repository.replaceIfUnchanged(resource, versionId), resource.id),
    create: async (resource) => {
      const created = await forget(() => repository.create(resource), undefined);
      // A new server-assigned id was never read as present, but may have been asked for (and found absent).
      drop(created.id);
      return created;
    },
    delete: (id) => forget(() => repository.delete(id), id),
    list: (request) => repository.list(request),
    forgetWritten(id) {
      writes++;
      drop(id);
    },
  };
}
