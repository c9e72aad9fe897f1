import type { ResourceRecord } from '../resource.ts';

/**
 * A typed search: what the query parser makes of `?code=4548-4&_count=2` before any SQL.
 * Conditions are ANDed; the values inside one condition are ORed (FHIR R4 search.html#combining).
 */
export interface SearchRequest {
  /** undefined for a system-level search. */
  resourceType: string | undefined;
  /** System search narrowed by `_type`. */
  types?: string[];
  /** Page size; 0 asks for the total only. */
  count: number;
  /** Opaque position from a previous page (`_page_token`). */
  cursor?: string;
  conditions?: Condition[];
  sort?: SortKey[];
  include?: IncludeRule[];
  /** Resources one include rule may add (absent: include-sql.ts's default). */
  includeLimit?: number;
  /** When to count all matches: `none` never, otherwise yes (accurate). */
  total?: 'none' | 'estimate' | 'accurate';
}

/** Search prefixes (FHIR R4 search.html#prefix). */
export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/** The index tables, one per parameter type. */
export type IndexTable = 'token' | 'string' | 'reference' | 'date' | 'number' | 'quantity' | 'uri';

/** `system|code`: system undefined = any system, null = no system; code undefined = any code. */
export interface TokenValue {
  system?: string | null;
  code?: string;
}
/** ISO instants, half-open [low, high). */
export interface DateValue {
  prefix: Prefix;
  low: string;
  high: string;
}
/** Decimal text: the value and the range its precision implies. */
export interface NumberValue {
  prefix: Prefix;
  value: string;
  low: string;
  high: string;
}
export interface QuantityValue extends NumberValue {
  system?: string;
  /** Matches Quantity.code (or Quantity.unit when no system was given). */
  code?: string;
}
/** A local target (type optional when only an id was given), or an absolute URL elsewhere. */
export type ReferenceValue =
  | { kind: 'local'; type?: string; id: string; absolute?: string; baseUrl: string }
  | { kind: 'url'; url: string };

export type Condition =
  | { kind: 'id'; ids: string[]; not?: boolean }
  | { kind: 'lastUpdated'; values: DateValue[] }
  | { kind: 'missing'; table: IndexTable; param: string; missing: boolean }
  | { kind: 'token'; param: string; not: boolean; values: TokenValue[] }
  | { kind: 'token-text'; param: string; values: string[] }
  | { kind: 'string'; param: string; mode: 'start' | 'exact' | 'contains' | 'text'; values: string[] }
  | { kind: 'reference'; param: string; values: ReferenceValue[] }
  | { kind: 'date'; param: string; values: DateValue[] }
  | { kind: 'number'; param: string; values: NumberValue[] }
  | { kind: 'quantity'; param: string; values: QuantityValue[] }
  | { kind: 'uri'; param: string; mode: 'exact' | 'below' | 'above'; values: string[] }
  /** `subject:Patient.name=x`: references of `param` to one of `targetTypes` whose target matches. */
  | { kind: 'chain'; param: string; targetTypes: string[]; condition: Condition; baseUrl: string }
  /** `_has:Observation:patient:code=x`: some `sourceType` resource whose `param` references this one matches. */
  | { kind: 'has'; sourceType: string; param: string; condition: Condition; baseUrl: string }
  /** A match meets every condition of at least one group: access constraints, and a quantity's values some in canonical units. */
  | { kind: 'any-of'; groups: Condition[][] }
  /** One of `of` disjoint shares of the matches, by a hash of the id (never parsed from a URL; bulk export's parallel streams). */
  | { kind: 'partition'; of: number; part: number };

/** A `_sort` key: a column of the resource table, or an index table's parameter. */
export type SortKey =
  | { kind: 'id' | 'lastUpdated'; descending: boolean }
  | { kind: 'param'; table: IndexTable; param: string; descending: boolean };

/**
 * `_include=Observation:subject:Patient` (forward) or `_revinclude=Provenance:target` (reverse).
 * param undefined = every reference parameter (`*`).
 */
export interface IncludeRule {
  reverse: boolean;
  sourceType: string;
  param?: string;
  targetType?: string;
  iterate: boolean;
  /** Absolute references under this base are local; others never resolve here. */
  baseUrl: string;
}

/** A page of matches as NDJSON: their stored JSON text, one line each (bulk export writes it out unparsed). */
export interface NdjsonPage {
  /** `count` lines, each ending in a newline; empty when the page is. */
  ndjson: string;
  count: number;
  next?: string;
}

export interface SearchResult {
  /** Matches, in order, at most `count`. */
  matches: ResourceRecord[];
  /** _include/_revinclude results. */
  included: ResourceRecord[];
  /** Set when an include rule found more resources than one page may carry: `included` lacks some. */
  includesCut?: true;
  total?: number;
  next?: string;
  previous?: string;
}
