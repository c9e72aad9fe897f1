import { fullUrl, queryString, type Bundle } from '../bundle.ts';
import { readerOf, type FhirRequest, type Interaction } from '../interaction.ts';
import { parsePrefer } from '../prefer.ts';
import { parseSearchRequest } from '../search/parse-search.ts';

/** Query parameters of a search: the URL's, plus a form body for POST _search. */
function searchParams(request: FhirRequest): [string, string][] {
  const body = request.body;
  if (request.method === 'POST' && body && typeof body === 'object' && !Array.isArray(body)) {
    return [...request.query, ...Object.entries(body as Record<string, string | string[]>).flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, String(x)]))];
  }
  return request.query;
}

/** GET [type]?…, POST [type]/_search, GET [base]?… — a searchset Bundle. */
export const search: Interaction = async (request, route, deps) => {
  const query = searchParams(request);
  const strict = parsePrefer(request.headers.prefer).handling === 'strict';
  const searchRequest = parseSearchRequest(route.resourceType, query, { definitions: deps.definitions, settings: deps.settings, strict });
  const result = await readerOf(deps).search(searchRequest);
  const self = `${deps.settings.baseUrl}/${route.resourceType ?? ''}`.replace(/\/$/, '');
  const base = query.filter(([k]) => k !== '_page_token');
  const link = [{ relation: 'self', url: base.length ? `${self}?${queryString(base)}` : self }];
  if (result.next) link.push({ relation: 'next', url: `${self}?${queryString([...base, ['_page_token', result.next]])}` });
  if (result.previous) link.push({ relation: 'previous', url: `${self}?${queryString([...base, ['_page_token', result.previous]])}` });
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(result.total !== undefined ? { total: result.total } : {}),
    link,
    entry: [
      ...result.matches.map((r) => ({ fullUrl: fullUrl(deps.settings, r), resource: r.resource, search: { mode: 'match' as const } })),
      ...result.included.map((r) => ({ fullUrl: fullUrl(deps.settings, r), resource: r.resource, search: { mode: 'include' as const } })),
    ],
  };
  return { status: 200, body: bundle };
};
