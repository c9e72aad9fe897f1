import type { GrantStatusCache } from '../grants/grant-status-cache.ts';
import type { CachedRegistryRepository } from '../registry/cached-registry-reads.ts';
import type { Client } from '../clients/client-repository.ts';
import type { RegistrationUnit } from './registration-store.ts';

/**
 * A RegistrationUnit whose Client writes reach this process's caches once its transaction is over: the Client read
 * cache forgets every Client written, and the grant-status cache the grants it remembered as active when a Client was
 * deleted or deactivated (what cached-registry-reads.ts and forget-on-deactivation.ts do for a write on its own).
 * Told before the commit, a read in between would remember what the commit then changes.
 */
export function tellingCachesOnCommit(
  transaction: RegistrationUnit,
  caches: { clients: Pick<CachedRegistryRepository<Client>, 'forgetWritten'>; grants: Pick<GrantStatusCache, 'forgetActive'> },
): RegistrationUnit {
  return async (work) => {
    const written = new Set<string>();
    let endsGrants = false;
    try {
      return await transaction((writes) =>
        work({
          ...writes,
          clients: {
            getForUpdate: (id) => writes.clients.getForUpdate(id),
            put(client) {
              written.add(client.id);
              if (client.active === false) endsGrants = true;
              return writes.clients.put(client);
            },
            delete(id) {
              written.add(id);
              endsGrants = true;
              return writes.clients.delete(id);
            },
          },
        }),
      );
    } finally {
      for (const id of written) caches.clients.forgetWritten(id);
      // Nothing left to run: the change has committed (or rolled back); what was remembered as active is forgotten.
      if (endsGrants) await caches.grants.forgetActive(async () => {});
    }
  };
}
