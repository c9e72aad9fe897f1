import { readerOf, type FhirUnitDeps } from '../interaction.ts';
import type { ResourceRecord } from '../resource.ts';
import { parseSearchRequest } from './parse-search.ts';

/**
 * The resources matching conditional-interaction criteria (If-None-Exist, conditional
 * update/delete): `identifier=http://x|1` as a string or parsed query pairs.
 * Returns at most two matches: enough to tell none, one and several apart.
 */
export async function findByCriteria(
  resourceType: string,
  criteria: string | [string, string][],
  deps: FhirUnitDeps,
): Promise<ResourceRecord[]> {
  const query = typeof criteria === 'string' ? [...new URLSearchParams(criteria.replace(/^.*\?/, ''))] : criteria;
  const request = parseSearchRequest(resourceType, query, { definitions: deps.definitions, settings: deps.settings, strict: true });
  const result = await readerOf(deps).search({ ...request, count: 2 });
  return result.matches;
}
