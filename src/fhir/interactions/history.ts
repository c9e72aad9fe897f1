import { fullUrl, queryString, type Bundle, type BundleLink } from '../bundle.ts';
import type { FhirRequest, FhirUnitDeps, Interaction } from '../interaction.ts';
import { badRequest, notFound } from '../outcome.ts';
import type { HistoryRequest } from '../repository.ts';
import type { FhirRoute } from '../interaction.ts';

const INSTANT = /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/;

function parseHistoryQuery(request: FhirRequest, deps: FhirUnitDeps): Omit<HistoryRequest, 'resourceType' | 'id'> {
  const out: Omit<HistoryRequest, 'resourceType' | 'id'> = { count: deps.settings.defaultPageSize };
  for (const [name, value] of request.query) {
    switch (name) {
      case '_count':
        if (!/^\d+$/.test(value)) throw badRequest(`_count must be a whole number, not '${value}'`);
        out.count = Math.max(1, Math.min(Number(value), deps.settings.maxPageSize));
        break;
      case '_since':
      case '_at':
        if (!INSTANT.test(value) || Number.isNaN(Date.parse(value))) throw badRequest(`${name} must be a FHIR instant or date, not '${value}'`);
        out[name === '_since' ? 'since' : 'at'] = value;
        break;
      case '_page_token':
        out.cursor = value;
        break;
      case '_format':
      case '_pretty':
        break;
      default:
        throw badRequest(`Unknown history parameter '${name}'`);
    }
  }
  return out;
}

/** GET [base]/_history, [type]/_history, [type]/[id]/_history — newest first, paged by cursor. */
export const history: Interaction = async (request, route: FhirRoute, deps) => {
  const query = parseHistoryQuery(request, deps);
  const page = await deps.repository.history({
    ...query,
    ...(route.resourceType ? { resourceType: route.resourceType } : {}),
    ...(route.id ? { id: route.id } : {}),
  });
  if (route.id && page.entries.length === 0 && !query.cursor && !query.since && !query.at) {
    throw notFound(`${route.resourceType}/${route.id} is not known`);
  }
  const self = `${deps.settings.baseUrl}/${request.path}`;
  const base = request.query.filter(([k]) => k !== '_page_token');
  const link: BundleLink[] = [{ relation: 'self', url: base.length ? `${self}?${queryString(base)}` : self }];
  if (page.next) link.push({ relation: 'next', url: `${self}?${queryString([...base, ['_page_token', page.next]])}` });
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'history',
    link,
    entry: page.entries.map((r) => ({
      fullUrl: fullUrl(deps.settings, r),
      ...(r.deleted ? {} : { resource: r.resource }),
      request: {
        method: r.method ?? 'PUT',
        url: r.method === 'POST' ? r.resourceType : `${r.resourceType}/${r.id}`,
      },
      response: {
        status: r.deleted ? '204' : r.method === 'POST' ? '201' : '200',
        etag: `W/"${r.versionId}"`,
        lastModified: r.lastUpdated,
      },
    })),
  };
  return { status: 200, body: bundle };
};
