import { badRequest } from '../outcome.ts';
import type { SearchContext } from './search-context.ts';
import type { SearchRequest } from './search-request.ts';

// The parameters that shape what comes back rather than what matches (FHIR R4 search.html#return),
// _sort and _include apart: how many per page, how much of each resource, whether to count them all.

/** `_summary` values (FHIR R4 search.html#summary). */
export type SummaryMode = 'true' | 'false' | 'text' | 'data' | 'count';

const SUMMARY: ReadonlySet<string> = new Set<SummaryMode>(['true', 'false', 'text', 'data', 'count']);

/** `_count`: a page size, at most the server's largest. */
export function parseCount(value: string, settings: SearchContext['settings']): number {
  if (!/^\d{1,9}$/.test(value)) throw badRequest(`_count must be a whole number, not '${value}'`, '_count');
  return Math.min(Number(value), settings.maxPageSize);
}

export function parseSummary(value: string): SummaryMode {
  if (!SUMMARY.has(value)) throw badRequest(`_summary takes true, false, text, data or count, not '${value}'`, '_summary');
  return value as SummaryMode;
}

/** `_elements`: top-level element names, each for every type or (`Type.name`) for one (subset.ts). */
export function parseElements(value: string): string[] {
  const elements = value.split(',').map((e) => e.trim()).filter(Boolean);
  for (const e of elements) {
    if (!/^(?:[A-Z][A-Za-z]+\.)?[A-Za-z][A-Za-z0-9_]*$/.test(e)) throw badRequest(`'${e}' is not an element name (in _elements)`, '_elements');
  }
  return elements;
}

export function parseTotal(value: string): NonNullable<SearchRequest['total']> {
  if (value !== 'none' && value !== 'estimate' && value !== 'accurate') {
    throw badRequest(`_total takes none, estimate or accurate, not '${value}'`, '_total');
  }
  return value;
}
