import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import type { Resource } from '../resource.ts';
import { branchesFor } from './expression-branches.ts';
import { emptyIndexRows, type SearchIndexRows } from './index-rows.ts';
import { dateRows, numberRows, quantityRows, referenceRows, stringRows, tokenRows, uriRows, type TypedValue } from './index-values.ts';
import { COLUMN_PARAMS, type SearchParam, type SearchParameterRegistry } from './registry.ts';

type Evaluate = (resource: unknown) => unknown[];

interface CompiledParam {
  param: SearchParam;
  branches: { evaluate: Evaluate; targetType?: string }[];
}

/**
 * Extracts a resource's search index: every supported SearchParameter of its type, or with `only`
 * just the parameters named there (an access check on a read needs a compartment's one or two
 * references, not the thirty-odd parameters a write stores).
 */
export type Indexer = (resource: Resource, only?: ReadonlySet<string>) => SearchIndexRows;

/**
 * Builds the indexer: every supported SearchParameter evaluated with FHIRPath on the R4 model. Each
 * expression is compiled once per indexer (on the first use of its resource type), never per write.
 */
export function createIndexer(registry: SearchParameterRegistry): Indexer {
  const compiled = new Map<string, CompiledParam[]>();
  const isResourceType = (name: string) => registry.resourceTypes.has(name);

  function compileType(resourceType: string): CompiledParam[] {
    const list: CompiledParam[] = [];
    for (const param of registry.forType(resourceType).values()) {
      if (COLUMN_PARAMS.has(param.code) || !param.expression) continue;
      const branches: CompiledParam['branches'] = [];
      for (const branch of branchesFor(param.expression, resourceType, isResourceType)) {
        try {
          const evaluate = fhirpath.compile(branch.expression, r4, { resolveInternalTypes: false }) as Evaluate;
          branches.push(branch.targetType ? { evaluate, targetType: branch.targetType } : { evaluate });
        } catch {
          // An expression this FHIRPath engine cannot compile: the parameter stays unindexed.
        }
      }
      if (branches.length > 0) list.push({ param, branches });
    }
    return list;
  }

  return (resource, only) => {
    const rows = emptyIndexRows();
    let params = compiled.get(resource.resourceType);
    if (!params) compiled.set(resource.resourceType, (params = compileType(resource.resourceType)));
    for (const { param, branches } of params) {
      if (only && !only.has(param.code)) continue;
      for (const branch of branches) {
        let nodes: unknown[];
        try {
          nodes = branch.evaluate(resource);
        } catch {
          continue; // Data the expression cannot evaluate on is not searchable by it; the write still succeeds.
        }
        for (const node of nodes) addRows(rows, param, typedValue(node, registry.codeSystem), branch.targetType);
      }
    }
    return dedupe(rows);
  };
}

function typedValue(node: unknown, codeSystem: (elementPath: string) => string | undefined): TypedValue {
  if (node && typeof node === 'object' && 'fhirNodeDataType' in node && 'data' in node) {
    const n = node as { fhirNodeDataType: string | null; data: unknown; propName?: string; parentResNode?: { path?: string } };
    const data = n.data !== null && typeof n.data === 'object' && !Array.isArray(n.data) && n.data.constructor !== Object ? String(n.data) : n.data;
    // A `code` has no system of its own: it is that of the value set it is bound to, so that
    // `gender=http://hl7.org/fhir/administrative-gender|male` finds it (FHIR R4 search.html#token;
    // `|male`, "no system", then does not, as on HAPI). FHIRPath names the element by its parent's path
    // (`Patient`, `Patient.contact`, or a data type such as `Address`) and its own name.
    const system = n.fhirNodeDataType === 'code' && n.parentResNode?.path && n.propName ? codeSystem(`${n.parentResNode.path}.${n.propName}`) : undefined;
    return system ? { type: 'code', data, system } : { type: n.fhirNodeDataType ?? undefined, data };
  }
  // FHIRPath-computed values (strings, dates) arrive without a FHIR type.
  if (node !== null && typeof node === 'object' && node.constructor !== Object) return { type: undefined, data: String(node) };
  return { type: undefined, data: node };
}

function addRows(rows: SearchIndexRows, param: SearchParam, value: TypedValue, targetType: string | undefined): void {
  switch (param.type) {
    case 'token':
      rows.token.push(...tokenRows(param.code, value));
      break;
    case 'string':
      rows.string.push(...stringRows(param.code, value));
      break;
    case 'reference': {
      const { references, identifiers } = referenceRows(param.code, value, targetType);
      rows.reference.push(...references);
      rows.token.push(...identifiers);
      break;
    }
    case 'date':
      rows.date.push(...dateRows(param.code, value));
      break;
    case 'number':
      rows.number.push(...numberRows(param.code, value));
      break;
    case 'quantity':
      rows.quantity.push(...quantityRows(param.code, value));
      break;
    case 'uri':
      rows.uri.push(...uriRows(param.code, value));
      break;
    default:
      break;
  }
}

/** The same value reached by two branches is one row. */
function dedupe(rows: SearchIndexRows): SearchIndexRows {
  const unique = <T>(list: T[]): T[] => {
    if (list.length < 2) return list;
    const seen = new Set<string>();
    return list.filter((r) => {
      const key = JSON.stringify(r);
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    });
  };
  return {
    token: unique(rows.token),
    string: unique(rows.string),
    reference: unique(rows.reference),
    date: unique(rows.date),
    number: unique(rows.number),
    quantity: unique(rows.quantity),
    uri: unique(rows.uri),
  };
}
