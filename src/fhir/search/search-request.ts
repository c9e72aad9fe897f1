import type { ResourceRecord } from '../resource.ts';

/**
 * A typed search: what the query parser makes of `?code=4548-4&_count=2` before any SQL.
 * (The search work fills this out; the shape the repository port uses.)
 */
export interface SearchRequest {
  /** undefined for a system-level search. */
  resourceType: string | undefined;
  count: number;
  cursor?: string;
}

export interface SearchResult {
  /** Matches, in order, at most `count`. */
  matches: ResourceRecord[];
  /** _include/_revinclude results. */
  included: ResourceRecord[];
  total?: number;
  next?: string;
  previous?: string;
}
