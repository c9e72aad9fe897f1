/**
 * The search index of one resource: what the indexer (FHIRPath over the R4 SearchParameters)
 * extracts at write time and the store saves beside it, one row list per parameter type.
 * Values are strings where precision matters (numbers keep their decimal text).
 */
export interface TokenRow { param: string; system: string | null; code: string | null; display: string | null }
export interface StringRow { param: string; value: string; raw: string }
export interface ReferenceRow { param: string; targetType: string | null; targetId: string | null; targetUrl: string | null }
/** low/high: ISO instants bounding the period the value covers (null = open). */
export interface DateRow { param: string; low: string | null; high: string | null }
export interface NumberRow { param: string; value: string; low: string; high: string }
export interface QuantityRow extends NumberRow { system: string | null; code: string | null; unit: string | null }
export interface UriRow { param: string; value: string }

export interface SearchIndexRows {
  token: TokenRow[];
  string: StringRow[];
  reference: ReferenceRow[];
  date: DateRow[];
  number: NumberRow[];
  quantity: QuantityRow[];
  uri: UriRow[];
}

export const emptyIndexRows = (): SearchIndexRows => ({
  token: [], string: [], reference: [], date: [], number: [], quantity: [], uri: [],
});
