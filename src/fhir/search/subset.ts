import type { Resource } from '../resource.ts';
import type { SearchParameterRegistry } from './registry.ts';
import type { ParsedSearch } from './parse-search.ts';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' };

/**
 * Applies `_summary` (true/text/data) and `_elements` to a matched resource (FHIR R4
 * search.html#summary, #elements): keeps the asked-for top-level elements plus the mandatory
 * ones, and tags the result SUBSETTED so no one mistakes it for the whole resource.
 */
export function subsetResource(resource: Resource, search: Pick<ParsedSearch, 'summary' | 'elements'>, registry: SearchParameterRegistry): Resource {
  const { summary, elements } = search;
  const known = registry.elements(resource.resourceType);
  let keep: Set<string> | undefined;
  let drop: Set<string> | undefined;
  if (elements && elements.length > 0) keep = new Set([...elements, ...(known?.mandatory ?? ['id', 'meta'])]);
  else if (summary === 'true') keep = new Set(known?.summary ?? ['id', 'meta']);
  else if (summary === 'text') keep = new Set(['id', 'meta', 'text', ...(known?.mandatory ?? [])]);
  else if (summary === 'data') drop = new Set(['text']);
  if (!keep && !drop) return resource;

  const kept = (key: string): boolean => {
    if (key === 'resourceType') return true;
    const name = key.startsWith('_') ? key.slice(1) : key;
    if (drop) return !drop.has(name);
    if (keep?.has(name) || keep?.has(`${name}[x]`)) return true;
    // A choice element (value[x]) appears as valueQuantity, valueString...
    for (const k of keep ?? []) {
      const base = k.endsWith('[x]') ? k.slice(0, -3) : k;
      if (name.length > base.length && name.startsWith(base) && /[A-Z]/.test(name[base.length] ?? '')) return true;
    }
    return false;
  };
  const subset: Resource = { resourceType: resource.resourceType };
  for (const [key, value] of Object.entries(resource)) if (kept(key)) subset[key] = value;
  const tags = Array.isArray(resource.meta?.tag) ? (resource.meta.tag as unknown[]) : [];
  subset.meta = { ...resource.meta, tag: [...tags, SUBSETTED] };
  return subset;
}
