import { readerOf, type FhirUnitDeps } from '../interaction.ts';
import type { ResourceRecord } from '../resource.ts';
import { parseSearchRequest } from './parse-search.ts';

/**
 * The resources matching conditional-interaction criteria (If-None-Exist, conditional
 * update/delete): `identifier=http://x|1` as a string or parsed query pairs. Parsed strictly:
 * an unknown parameter is a 400, never silently widening the match (FHIR R4 http.html#cond-update).
 * Returns at most two matches: enough to tell none, one and several apart.
 */
export async function findByCriteria(
  resourceType: string,
  criteria: string | [string, string][],
  deps: FhirUnitDeps,
): Promise<ResourceRecord[]> {
  const query = typeof criteria === 'string' ? [...new URLSearchParams(criteria.replace(/^.*\?/, ''))] : criteria;
  const request = parseSearchRequest(resourceType, query, { registry: deps.searchRegistry, settings: deps.settings, strict: true, now: deps.now });
  const { conditions } = request;
  const result = await readerOf(deps).search({ resourceType, conditions, count: 2, total: 'none' });
  return result.matches;
}
