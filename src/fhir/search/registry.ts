import type { FhirDefinitions, SearchParameterDefinition } from '../definitions.ts';
import { buildCodeSystems, buildElementSets, type ElementSet } from './element-sets.ts';

export type SearchParamType = SearchParameterDefinition['type'];

/** One search parameter as it applies to one resource type. */
export interface SearchParam {
  code: string;
  type: SearchParamType;
  /** The FHIRPath expression (possibly shared by several base types: `A.x | B.y`). */
  expression: string | undefined;
  /** Reference parameters: the resource types they may point to. */
  targets: readonly string[];
}

/** The parameters whose values come from resource table columns, not from the index. */
export const COLUMN_PARAMS: ReadonlySet<string> = new Set(['_id', '_lastUpdated']);

/** Parameter types the index stores (composite and special are not supported). */
export const INDEXED_TYPES: ReadonlySet<SearchParamType> = new Set(['number', 'date', 'string', 'token', 'reference', 'quantity', 'uri']);

/** Base parameters the engine does not support (FHIR R4 search.html#all). */
const UNSUPPORTED_BASE = new Set(['_text', '_content', '_query']);

export interface SearchParameterRegistry {
  readonly resourceTypes: ReadonlySet<string>;
  /** The parameter `code` of `resourceType`, or undefined when there is none we support. */
  get(resourceType: string, code: string): SearchParam | undefined;
  /** Every supported parameter of a resource type, by code. */
  forType(resourceType: string): ReadonlyMap<string, SearchParam>;
  /**
   * The child elements of a resource type, complex type or backbone path: marked isSummary, mandatory
   * (min ≥ 1), and where each complex child's own are, for `_summary`/`_elements`.
   */
  elements(typeOrPath: string): ElementSet | undefined;
  /** The implicit code system of a `code` element (by element path), from its binding (element-sets.ts). */
  codeSystem(elementPath: string): string | undefined;
}

/**
 * Lookup maps of the SearchParameter definitions, built once at start (never per request):
 * the parser, the indexer and the SQL compiler all go through it.
 */
export function createSearchParameterRegistry(definitions: FhirDefinitions): SearchParameterRegistry {
  const base = new Map<string, SearchParam>();
  const byType = new Map<string, Map<string, SearchParam>>();
  const toParam = (sp: SearchParameterDefinition): SearchParam => ({
    code: sp.code,
    type: sp.type,
    expression: sp.expression,
    targets: sp.target ?? [],
  });
  for (const sp of definitions.searchParameters) {
    if (!INDEXED_TYPES.has(sp.type)) continue;
    if (UNSUPPORTED_BASE.has(sp.code)) continue;
    if (!sp.expression && !COLUMN_PARAMS.has(sp.code)) continue;
    for (const type of sp.base) {
      if (type === 'Resource' || type === 'DomainResource') {
        if (!base.has(sp.code)) base.set(sp.code, toParam(sp));
        continue;
      }
      let params = byType.get(type);
      if (!params) byType.set(type, (params = new Map()));
      // The first definition wins: the R4 base comes before US Core.
      if (!params.has(sp.code)) params.set(sp.code, toParam(sp));
    }
  }
  const full = new Map<string, ReadonlyMap<string, SearchParam>>();
  for (const type of definitions.resourceTypes) {
    full.set(type, new Map([...base, ...(byType.get(type) ?? [])]));
  }
  const elements = buildElementSets(definitions);
  const codeSystems = buildCodeSystems(definitions);
  return {
    resourceTypes: definitions.resourceTypes,
    elements: (typeOrPath) => elements.get(typeOrPath),
    codeSystem: (elementPath) => codeSystems.get(elementPath),
    get: (resourceType, code) => (resourceType === '' ? base.get(code) : full.get(resourceType)?.get(code)),
    forType: (resourceType) => full.get(resourceType) ?? base,
  };
}
