import { tableOf } from './index-table.ts';
import type { SearchContext } from './search-context.ts';
import type { SortKey } from './search-request.ts';

/**
 * `_sort=a,-b` (FHIR R4 search.html#sort): keys in order, `-` for descending; `_id` and `_lastUpdated`
 * sort on the resource's columns, other keys must be parameters of every type the search covers.
 */
export function parseSort(value: string, types: readonly string[], context: SearchContext): SortKey[] {
  const sort: SortKey[] = [];
  for (const rawKey of value.split(',')) {
    const key = rawKey.trim();
    if (key === '') continue;
    const descending = key.startsWith('-');
    const code = descending ? key.slice(1) : key;
    if (code === '_id' || code === '_lastUpdated') {
      sort.push({ kind: code === '_id' ? 'id' : 'lastUpdated', descending });
      continue;
    }
    const param = context.lookup(types, code);
    if (!param) {
      context.unknown(`_sort=${code}`, 'not a sortable search parameter here');
      continue;
    }
    sort.push({ kind: 'param', table: tableOf(param.type), param: code, descending });
  }
  return sort;
}
