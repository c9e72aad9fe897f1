import { fullUrl, queryString, type Bundle, type BundleLink } from '../bundle.ts';
import { readerOf, type FhirRequest, type FhirRoute, type FhirUnitDeps, type Interaction } from '../interaction.ts';
import { badRequest, notFound } from '../outcome.ts';
import type { HistoryRequest } from '../repository.ts';
import type { ResourceRecord } from '../resource.ts';
import { parseSubset } from '../search/parse-subset.ts';
import { subsetResource, type Subset } from '../search/subset.ts';
import { statusLine } from '../transaction/entry-response.ts';

const INSTANT = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

type HistoryQuery = Omit<HistoryRequest, 'resourceType' | 'id'>;

function parseHistoryQuery(request: FhirRequest, deps: FhirUnitDeps): HistoryQuery {
  const out: HistoryQuery = { count: deps.settings.defaultPageSize };
  for (const [name, value] of request.query) {
    switch (name) {
      case '_count':
        if (!/^\d+$/.test(value)) throw badRequest(`_count must be a whole number, not '${value}'`);
        out.count = Math.max(1, Math.min(Number(value), deps.settings.maxPageSize));
        break;
      case '_since':
      case '_at': {
        const time = INSTANT.test(value) ? Date.parse(value) : NaN;
        if (Number.isNaN(time)) throw badRequest(`${name} must be a FHIR instant or date, not '${value}'`);
        // Normalised to a UTC instant: a bare date means its start in UTC, not the database's time zone.
        out[name === '_since' ? 'since' : 'at'] = new Date(time).toISOString();
        break;
      }
      case '_page_token':
        out.cursor = value;
        break;
      case '_format':
      case '_pretty':
      case '_summary': // parseSubset
      case '_elements':
        break;
      default:
        throw badRequest(`Unknown history parameter '${name}'`);
    }
  }
  return out;
}

/** history's Bundle.entry.request and .response for one version (FHIR R4 http.html#history). */
function historyEntry(deps: FhirUnitDeps, r: ResourceRecord, subset: Subset | undefined) {
  const method = r.method ?? 'PUT';
  return {
    fullUrl: fullUrl(deps.settings, r),
    ...(r.deleted ? {} : { resource: subset ? subsetResource(r.resource, subset, deps.searchRegistry) : r.resource }),
    request: { method, url: method === 'POST' ? r.resourceType : `${r.resourceType}/${r.id}` },
    response: {
      status: statusLine(r.deleted ? 204 : method === 'POST' ? 201 : 200),
      etag: `W/"${r.versionId}"`,
      lastModified: r.lastUpdated,
    },
  };
}

/** GET [base]/_history, [type]/_history, [type]/[id]/_history — newest first, paged by cursor. */
export const history: Interaction = async (request, route: FhirRoute, deps) => {
  const query = parseHistoryQuery(request, deps);
  const subset = parseSubset(request.query);
  const reader = readerOf(deps);
  const page = await reader.history({
    ...query,
    ...(route.resourceType ? { resourceType: route.resourceType } : {}),
    ...(route.id ? { id: route.id } : {}),
  });
  if (route.id && page.entries.length === 0 && !(await reader.read(route.resourceType ?? '', route.id))) {
    throw notFound(`${route.resourceType}/${route.id} is not known`);
  }
  const self = `${deps.settings.baseUrl}/${request.path}`.replace(/\/$/, '');
  const base = request.query.filter(([k]) => k !== '_page_token');
  const link: BundleLink[] = [{ relation: 'self', url: request.query.length ? `${self}?${queryString(request.query)}` : self }];
  if (page.next) link.push({ relation: 'next', url: `${self}?${queryString([...base, ['_page_token', page.next]])}` });
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'history',
    ...(page.total !== undefined ? { total: page.total } : {}),
    link,
    entry: page.entries.map((r) => historyEntry(deps, r, subset)),
  };
  return { status: 200, body: bundle };
};
