import { badRequest } from '../outcome.ts';
import type { SearchContext } from './search-context.ts';

/**
 * The types a search covers, read first since the other parameters must be defined on them: a type
 * search its own type; a system search every type (`['']`), or those `_type` lists (FHIR R4
 * search.html#_type), when `narrowed`.
 */
export function parseTypeParameter(
  resourceType: string | undefined,
  query: readonly [string, string][],
  context: SearchContext,
): { types: string[]; narrowed: boolean } {
  if (resourceType) {
    if (query.some(([k]) => k === '_type')) context.unknown('_type', 'only a system search takes _type');
    return { types: [resourceType], narrowed: false };
  }
  const requested = query.filter(([k]) => k === '_type').flatMap(([, v]) => v.split(',').map((t) => t.trim()).filter(Boolean));
  for (const t of requested) if (!context.isResourceType(t)) throw badRequest(`Unknown resource type '${t}' in _type`, '_type');
  return requested.length > 0 ? { types: [...new Set(requested)], narrowed: true } : { types: [''], narrowed: false };
}
