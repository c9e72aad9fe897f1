import { fullUrl, queryString, type Bundle, type BundleEntry } from '../bundle.ts';
import { readerOf, type FhirRequest, type Interaction } from '../interaction.ts';
import { parsePrefer } from '../prefer.ts';
import { parseSearchRequest } from '../search/parse-search.ts';
import { subsetResource } from '../search/subset.ts';
import { issue, outcome } from '../outcome.ts';
import type { ResourceRecord } from '../resource.ts';

/** Query parameters of a search: the URL's, plus a form body for POST _search. */
function searchParams(request: FhirRequest): [string, string][] {
  const body = request.body;
  if (request.method === 'POST' && body && typeof body === 'object' && !Array.isArray(body)) {
    return [...request.query, ...Object.entries(body as Record<string, string | string[]>).flatMap(([k, v]) =>
      (Array.isArray(v) ? v : [v]).map((x): [string, string] => [k, String(x)]))];
  }
  return request.query;
}

/** GET [type]?…, POST [type]/_search, GET [base]?… — a searchset Bundle (FHIR R4 search.html). */
export const search: Interaction = async (request, route, deps) => {
  const query = searchParams(request);
  const strict = parsePrefer(request.headers.prefer).handling === 'strict';
  const parsed = parseSearchRequest(route.resourceType, query, { registry: deps.searchRegistry, settings: deps.settings, strict, now: deps.now });
  const result = await readerOf(deps).search(parsed);

  // Links carry the parameters actually applied, so a client sees what the server understood.
  const self = `${deps.settings.baseUrl}/${route.resourceType ?? ''}`.replace(/\/$/, '');
  const applied = parsed.applied;
  const link = (pairs: [string, string][]) => (pairs.length ? `${self}?${queryString(pairs)}` : self);
  const links = [{ relation: 'self', url: link(parsed.cursor !== undefined ? [...applied, ['_page_token', parsed.cursor]] : applied) }];
  if (result.next) links.push({ relation: 'next', url: link([...applied, ['_page_token', result.next]]) });
  if (result.previous) links.push({ relation: 'previous', url: link([...applied, ['_page_token', result.previous]]) });

  const subset = parsed.summary !== undefined || parsed.elements !== undefined;
  const shown = (r: ResourceRecord, role: 'match' | 'include') => (subset ? subsetResource(r.resource, parsed, deps.searchRegistry, role) : r.resource);
  const entry: BundleEntry[] = [
    ...result.matches.map((r): BundleEntry => ({ fullUrl: fullUrl(deps.settings, r), resource: shown(r, 'match'), search: { mode: 'match' } })),
    ...result.included.map((r): BundleEntry => ({ fullUrl: fullUrl(deps.settings, r), resource: shown(r, 'include'), search: { mode: 'include' } })),
  ];
  if (result.includesCut) {
    // FHIR R4 search.html#errors: what the server could not do goes in an OperationOutcome entry, search mode outcome.
    const limit = deps.settings.maxIncludes ?? 10_000;
    entry.push({
      resource: { ...outcome(issue('too-costly', `An _include or _revinclude found more than ${limit} resources for this page; only ${limit} are included (ask for smaller pages)`, undefined, 'warning')) },
      search: { mode: 'outcome' },
    });
  }
  const bundle: Bundle = {
    resourceType: 'Bundle',
    type: 'searchset',
    ...(result.total !== undefined ? { total: result.total } : {}),
    link: links,
    ...(parsed.summary === 'count' ? {} : { entry }),
  };
  return { status: 200, body: bundle };
};
