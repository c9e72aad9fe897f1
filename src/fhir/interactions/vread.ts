import { readerOf, type Interaction } from '../interaction.ts';
import { FhirError, issue, notFound } from '../outcome.ts';
import { parseSubset } from '../search/parse-subset.ts';
import { subsetResource } from '../search/subset.ts';
import { versionHeaders } from '../version-headers.ts';

/** GET [type]/[id]/_history/[vid] */
export const vread: Interaction = async (request, route, deps) => {
  const { resourceType = '', id = '', versionId = '' } = route;
  const record = await readerOf(deps).vread(resourceType, id, versionId);
  if (!record) throw notFound(`${resourceType}/${id} has no version ${versionId}`);
  if (record.deleted) {
    throw new FhirError(410, issue('deleted', `Version ${versionId} of ${resourceType}/${id} is a deletion`), versionHeaders(record));
  }
  const subset = parseSubset(request.query);
  return { status: 200, headers: versionHeaders(record), body: subset ? subsetResource(record.resource, subset, deps.searchRegistry) : record.resource };
};
