import type { Resource } from '../resource.ts';
import type { ElementSet } from './element-sets.ts';
import type { SummaryMode } from './parse-result-parameters.ts';
import type { SearchParameterRegistry } from './registry.ts';

const SUBSETTED = { system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code: 'SUBSETTED', display: 'subsetted' };

/** What of each resource a request asks for: `_summary`, `_elements` (`name`, or `Type.name` for one type only). */
export interface Subset {
  summary?: SummaryMode | undefined;
  elements?: string[] | undefined;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Applies `_summary` (true/text/data) and `_elements` to a resource (FHIR R4 search.html#summary,
 * #elements) and tags the result SUBSETTED so no one mistakes it for the whole resource. `_elements`
 * keeps the named top-level elements plus the mandatory ones, `resourceType`, `id` and `meta`; names
 * without a type apply to what was asked for (the matches, a read), `Type.name` to every resource of
 * that type (included ones too). `_summary=true` keeps the elements marked isSummary at every level:
 * a data type or backbone element that is kept keeps only its own summary children.
 */
export function subsetResource(resource: Resource, subset: Subset, registry: SearchParameterRegistry, role: 'match' | 'include' = 'match'): Resource {
  const type = resource.resourceType;
  const known = registry.elements(type);
  const asked = elementsFor(type, subset.elements, role);
  let result: Obj | undefined;
  // `value` asks for value[x] in whichever type it has (valueQuantity, valueString...).
  if (asked.length > 0) result = pick(resource, new Set([...asked, ...asked.map((n) => `${n}[x]`), ...(known?.mandatory ?? ['id', 'meta'])]));
  else if (subset.elements?.length && role === 'include') return resource; // names for other types only
  else if (subset.summary === 'true') result = summarize(resource, type, registry) as Obj;
  else if (subset.summary === 'text') result = pick(resource, new Set(['id', 'meta', 'text', ...(known?.mandatory ?? [])]));
  else if (subset.summary === 'data') result = Object.fromEntries(Object.entries(resource).filter(([k]) => k !== 'text' && k !== '_text'));
  if (!result) return resource;
  const meta = isObj(resource.meta) ? resource.meta : {};
  const tags = Array.isArray(meta.tag) ? (meta.tag as unknown[]) : [];
  return { ...result, resourceType: type, meta: { ...(isObj(result.meta) ? result.meta : meta), tag: [...tags, SUBSETTED] } } as Resource;
}

/** The `_elements` names that apply to a resource of `type` in its role. */
function elementsFor(type: string, elements: readonly string[] | undefined, role: 'match' | 'include'): string[] {
  const names: string[] = [];
  for (const e of elements ?? []) {
    const dot = e.indexOf('.');
    if (dot < 0) {
      if (role === 'match') names.push(e);
    } else if (e.slice(0, dot) === type) names.push(e.slice(dot + 1));
  }
  return names;
}

/** Whether a JSON property (`_x` for a primitive's extensions, `valueQuantity` for `value[x]`) is in a set of element names. */
function named(set: ReadonlySet<string>, key: string): boolean {
  const name = key.startsWith('_') ? key.slice(1) : key;
  if (set.has(name)) return true;
  for (let i = name.length - 1; i > 0; i--) {
    if (/[A-Z]/.test(name[i] ?? '') && set.has(`${name.slice(0, i)}[x]`)) return true;
  }
  return false;
}

function pick(resource: Obj, keep: ReadonlySet<string>): Obj {
  return Object.fromEntries(Object.entries(resource).filter(([k]) => k === 'resourceType' || named(keep, k)));
}

/** Keeps the summary children of a value described under `key` (a type, backbone path, or `Resource`), at every level. */
function summarize(value: unknown, key: string | undefined, registry: SearchParameterRegistry): unknown {
  if (Array.isArray(value)) return value.map((v) => summarize(v, key, registry));
  if (!isObj(value) || key === undefined) return value;
  const set: ElementSet | undefined = registry.elements(key === 'Resource' ? String(value.resourceType) : key);
  if (!set) return value;
  const out: Obj = {};
  for (const [name, v] of Object.entries(value)) {
    if (name === 'resourceType') out[name] = v;
    else if (named(set.summary, name)) out[name] = name.startsWith('_') ? v : summarize(v, nestedKey(set, name), registry);
  }
  return out;
}

function nestedKey(set: ElementSet, name: string): string | undefined {
  return set.nested.get(name);
}
