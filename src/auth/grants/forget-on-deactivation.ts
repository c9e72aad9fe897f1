import type { RegistryRepository, RegistryResource } from '../registry/registry-repository.ts';
import type { GrantStatusCache } from './grant-status-cache.ts';

/**
 * A Client or User repository whose writes that end grants — storing the resource with `active: false`, or deleting
 * it — make this process forget the grants it remembered as active, so their tokens stop working here at once, by
 * whichever path the write comes (admin API, RPC, registration management). The store itself ends the grants, codes
 * and sessions in the same statement as the write (GrantStore); this is only the process's memory of them.
 */
export function forgetGrantStatusOnDeactivation<T extends RegistryResource, R extends RegistryRepository<T>>(
  repository: R,
  grants: Pick<GrantStatusCache, 'forgetActive'>,
): R {
  const put: RegistryRepository<T>['put'] = (resource) =>
    resource.active === false ? grants.forgetActive(() => repository.put(resource)) : repository.put(resource);
  const replaceIfUnchanged: RegistryRepository<T>['replaceIfUnchanged'] = (resource, versionId) =>
    resource.active === false ? grants.forgetActive(() => repository.replaceIfUnchanged(resource, versionId)) : repository.replaceIfUnchanged(resource, versionId);
  const remove: RegistryRepository<T>['delete'] = (id) => grants.forgetActive(() => repository.delete(id));
  return { ...repository, put, replaceIfUnchanged, delete: remove };
}
