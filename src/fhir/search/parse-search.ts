import { badRequest } from '../outcome.ts';
import { parseCondition } from './parse-condition.ts';
import { parseInclude } from './parse-include.ts';
import { parseCount, parseElements, parseSummary, parseTotal, type SummaryMode } from './parse-result-parameters.ts';
import { parseSort } from './parse-sort.ts';
import { parseTypeParameter } from './parse-type-parameter.ts';
import { searchContext, type SearchContext } from './search-context.ts';
import type { SearchParameterRegistry } from './registry.ts';
import type { Condition, IncludeRule, SearchRequest, SortKey } from './search-request.ts';

export type { SummaryMode } from './parse-result-parameters.ts';

export interface ParseOptions {
  registry: SearchParameterRegistry;
  /** What a search reads of the settings: its base URL and page sizes. */
  settings: SearchContext['settings'];
  /** Prefer: handling=strict — unknown parameters are an error rather than ignored. */
  strict: boolean;
  /** Clock for the `ap` prefix. */
  now?: () => Date;
}

/** A SearchRequest plus what only the Bundle builder needs. */
export interface ParsedSearch extends SearchRequest {
  summary?: SummaryMode;
  /** `_elements`: the top-level elements to keep. */
  elements?: string[];
  /** The parameters actually applied, for the self link (FHIR R4 search.html#conformance). */
  applied: [string, string][];
}

/** Parameters that shape the response, not the match set; `_format`/`_pretty` are the HTTP layer's. */
const IGNORED = new Set(['_format', '_pretty']);

/**
 * Turns query parameters into a typed SearchRequest (FHIR R4 search.html). Comma-separated values
 * are OR, repeated parameters AND. Unknown parameters are dropped (lenient) or a 400 (strict);
 * bad values are always a 400.
 */
export function parseSearchRequest(
  resourceType: string | undefined,
  query: [string, string][],
  options: ParseOptions,
): ParsedSearch {
  const context = searchContext(options);
  const result: ParsedSearch = { resourceType, count: options.settings.defaultPageSize, conditions: [], applied: [] };
  const conditions: Condition[] = [];
  const sort: SortKey[] = [];
  const include: IncludeRule[] = [];

  const { types, narrowed } = parseTypeParameter(resourceType, query, context);
  if (narrowed) {
    result.types = types;
    result.applied.push(['_type', types.join(',')]);
  }
  for (const [name, value] of query) {
    if (IGNORED.has(name) || name === '_type') continue;
    // PostgreSQL text cannot hold NUL; no FHIR value contains one.
    if (name.includes('\0') || value.includes('\0')) throw badRequest(`Parameter '${name.replace(/\0/g, '')}' contains a NUL character`);
    if (name === '_page_token') {
      result.cursor = value;
      continue;
    }
    if (value === '' && !name.startsWith('_')) continue; // An empty parameter constrains nothing.
    let applied = true;
    if (name === '_count') result.count = parseCount(value, options.settings);
    else if (name === '_sort') sort.push(...parseSort(value, types, context));
    else if (name === '_summary') result.summary = parseSummary(value);
    else if (name === '_elements') result.elements = [...(result.elements ?? []), ...parseElements(value)];
    else if (name === '_total') result.total = parseTotal(value);
    else if (name.startsWith('_include') || name.startsWith('_revinclude')) include.push(...parseInclude(name, value, types, context));
    else {
      const condition = parseCondition(types, name, value, 0, context);
      if (condition) conditions.push(condition);
      else applied = false;
    }
    if (applied) result.applied.push([name, value]);
  }
  if (result.summary === 'count') result.count = 0;
  result.conditions = conditions;
  if (sort.length > 0) result.sort = sort;
  if (include.length > 0) result.include = include;
  if (include.length > 0 && options.settings.maxIncludes !== undefined) result.includeLimit = options.settings.maxIncludes;
  return result;
}
