import type { RegistryRepository, RegistryResource, Stored } from './registry-repository.ts';

export interface RegistryReadCacheOptions {
  /** How long a read answer is reused; 0 turns the cache off. */
  ttlMs: number;
  maxEntries: number;
  nowMs: () => number;
}

/**
 * A RegistryRepository that reuses `get` answers (a Client is read on every token request) for
 * `ttlMs`. A write through this repository takes effect at once; one made by another process sharing
 * the database, within `ttlMs`. Absent ids are not remembered (they are the caller's to choose), and
 * every hit is a fresh copy parsed from the JSON kept, so no caller can change what the next one reads
 * (a parse costs a fraction of structuredClone, and a stored resource is JSON by construction).
 */
export function cacheRegistryReads<T extends RegistryResource>(repository: RegistryRepository<T>, options: RegistryReadCacheOptions): RegistryRepository<T> {
  if (options.ttlMs <= 0) return repository;
  const known = new Map<string, { json: string; until: number }>();
  // Bumped by every write: a read that overlapped a write may hold the old version, so it is not kept.
  let writes = 0;
  const forget = async <R>(write: () => Promise<R>, id: string | undefined): Promise<R> => {
    writes++;
    if (id !== undefined) known.delete(id);
    try {
      return await write();
    } finally {
      writes++;
      if (id !== undefined) known.delete(id);
    }
  };
  return {
    async get(id) {
      const entry = known.get(id);
      if (entry && options.nowMs() < entry.until) return JSON.parse(entry.json) as Stored<T>;
      const writesBefore = writes;
      const resource = await repository.get(id);
      if (resource && writes === writesBefore) {
        known.delete(id);
        known.set(id, { json: JSON.stringify(resource), until: options.nowMs() + options.ttlMs });
        while (known.size > options.maxEntries) known.delete(known.keys().next().value as string);
      }
      return resource;
    },
    put: (resource) => forget(() => repository.put(resource), resource.id),
    // A new server-assigned id was never read: nothing to forget but overlapping reads.
    create: (resource) => forget(() => repository.create(resource), undefined),
    delete: (id) => forget(() => repository.delete(id), id),
    list: (request) => repository.list(request),
  };
}
