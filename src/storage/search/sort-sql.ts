import type { SortKey } from '../../fhir/search/search-request.ts';
import type { SqlParams } from './sql-params.ts';

/** One ORDER BY key: its SQL over `resource r`, its type (for cursor casts) and direction. */
export interface SortColumn {
  expression: string;
  cast: 'text' | 'timestamptz' | 'numeric';
  descending: boolean;
  /** The (resource_type, id) tie-breakers are never null. */
  nullable: boolean;
}

/**
 * The sort keys as columns: a resource column, or the lowest (ascending) / highest (descending)
 * indexed value of a parameter (FHIR R4 search.html#sort), then resource type and id so the
 * order is total — keyset paging needs that.
 */
export function sortColumns(sort: SortKey[] | undefined, p: SqlParams): SortColumn[] {
  const columns: SortColumn[] = [];
  for (const key of sort ?? []) {
    if (key.kind === 'id') columns.push({ expression: 'r.id', cast: 'text', descending: key.descending, nullable: false });
    else if (key.kind === 'lastUpdated') columns.push({ expression: 'r.last_updated', cast: 'timestamptz', descending: key.descending, nullable: false });
    else if (key.kind === 'param') {
      const agg = key.descending ? 'max' : 'min';
      // Expressions, not bare columns: a bare min()/max() would walk the whole value index per row.
      const [value, cast]: [string, SortColumn['cast']] =
        key.table === 'date' ? [key.descending ? 'COALESCE(s.high, s.low)' : 'COALESCE(s.low, s.high)', 'timestamptz']
        : key.table === 'number' || key.table === 'quantity' ? ['s.value + 0', 'numeric']
        : key.table === 'token' ? [`s.code || ''`, 'text']
        : key.table === 'reference' ? [`COALESCE(s.target_type || '/' || s.target_id, s.target_url)`, 'text']
        : [`s.value || ''`, 'text'];
      columns.push({
        expression: `(SELECT ${agg}(${value}) FROM search_${key.table} s WHERE s.tenant = r.tenant AND s.resource_type = r.resource_type AND s.id = r.id AND s.param = ${p.add(key.param)})`,
        cast,
        descending: key.descending,
        nullable: true,
      });
    }
  }
  columns.push({ expression: 'r.resource_type', cast: 'text', descending: false, nullable: false });
  columns.push({ expression: 'r.id', cast: 'text', descending: false, nullable: false });
  return columns;
}

/** ORDER BY for the page query: missing values last (forward); everything mirrored when paging back. */
export function orderBy(columns: SortColumn[], backward: boolean): string {
  return columns
    .map((c, i) => {
      const descending = c.descending !== backward;
      return `k${i} ${descending ? 'DESC' : 'ASC'}${c.nullable ? (backward ? ' NULLS FIRST' : ' NULLS LAST') : ''}`;
    })
    .join(', ');
}

/**
 * Rows strictly after (forward) or before (backward) the boundary row in the forward order:
 * the lexicographic comparison spelled out, with nulls sorting last.
 */
export function keysetSql(columns: SortColumn[], keys: (string | null)[], backward: boolean, p: SqlParams): string {
  // All keys non-null and one direction (the default type + id order): a row comparison, which
  // PostgreSQL answers with an index range instead of rescanning from the start on every page.
  const direction = columns[0]?.descending;
  if (columns.every((c, i) => !c.nullable && c.descending === direction && (keys[i] ?? null) !== null)) {
    const forward = direction ? '<' : '>';
    const op = backward ? (forward === '>' ? '<' : '>') : forward;
    const values = columns.map((c, i) => p.add(keys[i] as string, c.cast));
    return `(${columns.map((_, i) => `k${i}`).join(', ')}) ${op} (${values.join(', ')})`;
  }
  const alternatives: string[] = [];
  const equalSoFar: string[] = [];
  columns.forEach((c, i) => {
    const k = `k${i}`;
    const key = keys[i] ?? null;
    const value = key === null ? undefined : p.add(key, c.cast);
    // Forward order: ascending or descending, nulls last.
    const beyond = c.descending ? '<' : '>';
    const before = c.descending ? '>' : '<';
    let step: string | undefined;
    if (!backward) step = value === undefined ? undefined : `(${k} ${beyond} ${value}${c.nullable ? ` OR ${k} IS NULL` : ''})`;
    else step = value === undefined ? `${k} IS NOT NULL` : `${k} ${before} ${value}`;
    if (step) alternatives.push([...equalSoFar, step].join(' AND '));
    equalSoFar.push(value === undefined ? `${k} IS NULL` : `${k} = ${value}`);
  });
  return alternatives.length === 0 ? 'FALSE' : `(${alternatives.map((a) => `(${a})`).join(' OR ')})`;
}
