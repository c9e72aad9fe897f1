import { readerOf, type Interaction } from '../interaction.ts';
import { gone, notFound } from '../outcome.ts';
import { parseETagVersion, versionHeaders } from '../version-headers.ts';
import { epochSeconds } from '../../shared/time.ts';
import { parseSubset } from '../search/parse-subset.ts';
import { subsetResource } from '../search/subset.ts';

/** GET [type]/[id] */
export const read: Interaction = async (request, route, deps) => {
  const { resourceType = '', id = '' } = route;
  const record = await readerOf(deps).read(resourceType, id);
  if (!record) throw notFound(`${resourceType}/${id} is not known`);
  if (record.deleted) throw gone(`${resourceType}/${id} was deleted`);
  const headers = versionHeaders(record);
  // Conditional read (FHIR R4 http.html#cread): If-None-Match / If-Modified-Since → 304.
  const ifNoneMatch = parseETagVersion(request.headers.ifNoneMatch);
  if (ifNoneMatch !== undefined && ifNoneMatch === record.versionId) return { status: 304, headers };
  const since = request.headers.ifModifiedSince ? Date.parse(request.headers.ifModifiedSince) : NaN;
  if (!Number.isNaN(since) && epochSeconds(new Date(record.lastUpdated)) <= epochSeconds(new Date(since))) {
    return { status: 304, headers };
  }
  const subset = parseSubset(request.query);
  return { status: 200, headers, body: subset ? subsetResource(record.resource, subset, deps.searchRegistry) : record.resource };
};
