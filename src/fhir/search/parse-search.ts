import type { FhirDefinitions } from '../definitions.ts';
import type { FhirSettings } from '../interaction.ts';
import { badRequest } from '../outcome.ts';
import type { SearchRequest } from './search-request.ts';

export interface ParseOptions {
  definitions: FhirDefinitions;
  settings: FhirSettings;
  /** Prefer: handling=strict — unknown parameters are an error rather than ignored. */
  strict: boolean;
}

/** Turns query parameters into a typed SearchRequest. (Placeholder: `_count` only.) */
export function parseSearchRequest(
  resourceType: string | undefined,
  query: [string, string][],
  options: ParseOptions,
): SearchRequest {
  let count = options.settings.defaultPageSize;
  for (const [name, value] of query) {
    if (name === '_count') {
      if (!/^\d+$/.test(value)) throw badRequest(`_count must be a whole number, not '${value}'`);
      count = Math.min(Number(value), options.settings.maxPageSize);
    }
  }
  return { resourceType, count };
}
