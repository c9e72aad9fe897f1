import type { FhirSettings } from '../interaction.ts';
import { badRequest, notSupported } from '../outcome.ts';
import { indexedText } from './index-budget.ts';
import { normalizeString } from './normalize.ts';
import {
  parseDate,
  parseMissing,
  parseNumber,
  parseOfType,
  parseQuantity,
  parseReferenceValue,
  parseToken,
  splitEscaped,
  unescape,
} from './parse-values.ts';
import type { SearchParam, SearchParameterRegistry, SearchParamType } from './registry.ts';
import type { Condition, IncludeRule, IndexTable, SearchRequest, SortKey } from './search-request.ts';

export interface ParseOptions {
  registry: SearchParameterRegistry;
  /** What a search reads of the settings: its base URL and page sizes. */
  settings: Pick<FhirSettings, 'baseUrl' | 'defaultPageSize' | 'maxPageSize'>;
  /** Prefer: handling=strict — unknown parameters are an error rather than ignored. */
  strict: boolean;
  /** Clock for the `ap` prefix. */
  now?: () => Date;
}

export type SummaryMode = 'true' | 'false' | 'text' | 'data' | 'count';

/** A SearchRequest plus what only the Bundle builder needs. */
export interface ParsedSearch extends SearchRequest {
  summary?: SummaryMode;
  /** `_elements`: the top-level elements to keep. */
  elements?: string[];
  /** The parameters actually applied, for the self link (FHIR R4 search.html#conformance). */
  applied: [string, string][];
}

/** Parameters that shape the response, not the match set; `_format`/`_pretty` are the HTTP layer's. */
const IGNORED = new Set(['_format', '_pretty']);
const SUMMARY = new Set<SummaryMode>(['true', 'false', 'text', 'data', 'count']);
const MAX_CHAIN_DEPTH = 3;

/**
 * Turns query parameters into a typed SearchRequest (FHIR R4 search.html). Comma-separated values
 * are OR, repeated parameters AND. Unknown parameters are dropped (lenient) or a 400 (strict);
 * bad values are always a 400.
 */
export function parseSearchRequest(
  resourceType: string | undefined,
  query: [string, string][],
  options: ParseOptions,
): ParsedSearch {
  const { registry, settings, strict } = options;
  const now = options.now ?? (() => new Date());
  const isResourceType = (t: string) => registry.resourceTypes.has(t);
  const unknown = (name: string, why: string) => {
    if (strict) throw notSupported(`Unknown or unsupported search parameter '${name}': ${why}`);
  };

  const result: ParsedSearch = { resourceType, count: settings.defaultPageSize, conditions: [], applied: [] };
  const conditions: Condition[] = [];
  const sort: SortKey[] = [];
  const include: IncludeRule[] = [];

  // `_type` first: it decides which types the other parameters must be defined on.
  let types: string[] = resourceType ? [resourceType] : [''];
  if (!resourceType) {
    const requested = query.filter(([k]) => k === '_type').flatMap(([, v]) => v.split(',').map((t) => t.trim()).filter(Boolean));
    for (const t of requested) if (!isResourceType(t)) throw badRequest(`Unknown resource type '${t}' in _type`, '_type');
    if (requested.length > 0) {
      types = [...new Set(requested)];
      result.types = types;
      result.applied.push(['_type', types.join(',')]);
    }
  } else if (query.some(([k]) => k === '_type')) {
    unknown('_type', 'only a system search takes _type');
  }

  /** The parameter `code` on every type the search covers, or undefined when any lacks it. */
  const lookup = (onTypes: string[], code: string): SearchParam | undefined => {
    let found: SearchParam | undefined;
    for (const t of onTypes) {
      const p = registry.get(t, code);
      if (!p || (found && found.type !== p.type)) return undefined;
      found ??= p;
    }
    return found;
  };

  function parseCondition(onTypes: string[], name: string, value: string, depth: number): Condition | undefined {
    const dot = name.indexOf('.');
    if (dot > 0) return parseChain(onTypes, name, dot, value, depth);
    const [code = '', modifier, ...extra] = name.split(':');
    if (extra.length > 0) throw badRequest(`Malformed parameter name '${name}'`, name);
    const param = lookup(onTypes, code);
    if (!param) {
      unknown(name, `not a search parameter of ${onTypes.filter(Boolean).join(', ') || 'every resource type'}`);
      return undefined;
    }
    if (modifier === 'missing') return missingCondition(name, param, value);
    const values = splitEscaped(value, ',');
    if (code === '_id') {
      if (modifier !== undefined) throw badRequest(`Unknown modifier ':${modifier}' on _id`, name);
      return { kind: 'id', ids: values.map(unescape) };
    }
    if (code === '_lastUpdated') {
      if (modifier !== undefined) throw badRequest(`Unknown modifier ':${modifier}' on _lastUpdated`, name);
      return { kind: 'lastUpdated', values: values.map((v) => parseDate(name, v, now)) };
    }
    const badModifier = (): never => {
      throw badRequest(`Unknown or unsupported modifier ':${modifier ?? ''}' on ${param.type} parameter '${code}'`, name);
    };
    switch (param.type) {
      case 'token':
        if (modifier === undefined || modifier === 'not') {
          return { kind: 'token', param: code, not: modifier === 'not', values: values.map((v) => parseToken(name, v)) };
        }
        if (modifier === 'text') return { kind: 'token-text', param: code, values: values.map((v) => normalizeString(unescape(v))) };
        if (modifier === 'of-type') return { kind: 'token', param: `${code}:of-type`, not: false, values: values.map((v) => parseOfType(name, v)) };
        return badModifier();
      case 'string': {
        const mode = modifier === undefined ? 'start' : modifier === 'exact' ? 'exact' : modifier === 'contains' ? 'contains' : badModifier();
        // :exact compares the text as written (not indexed, never cut); the others the indexed form.
        return { kind: 'string', param: code, mode, values: values.map((v) => (mode === 'exact' ? unescape(v) : indexedText(normalizeString(unescape(v))))) };
      }
      case 'reference': {
        if (modifier === 'identifier') {
          return { kind: 'token', param: `${code}:identifier`, not: false, values: values.map((v) => parseToken(name, v)) };
        }
        if (modifier !== undefined && !isResourceType(modifier)) return badModifier();
        if (modifier !== undefined && param.targets.length > 0 && !param.targets.includes(modifier)) {
          throw badRequest(`${code} cannot refer to a ${modifier}`, name);
        }
        const context = { baseUrl: settings.baseUrl, typeModifier: modifier, targets: param.targets, isResourceType };
        return { kind: 'reference', param: code, values: values.map((v) => parseReferenceValue(name, v, context)) };
      }
      case 'date':
        if (modifier !== undefined) return badModifier();
        return { kind: 'date', param: code, values: values.map((v) => parseDate(name, v, now)) };
      case 'number':
        if (modifier !== undefined) return badModifier();
        return { kind: 'number', param: code, values: values.map((v) => parseNumber(name, v)) };
      case 'quantity':
        if (modifier !== undefined) return badModifier();
        return { kind: 'quantity', param: code, values: values.map((v) => parseQuantity(name, v)) };
      case 'uri': {
        const mode = modifier === undefined ? 'exact' : modifier === 'below' ? 'below' : modifier === 'above' ? 'above' : badModifier();
        // :above compares stored values against the search value's own parents: it stays whole.
        return { kind: 'uri', param: code, mode, values: values.map((v) => (mode === 'above' ? unescape(v) : indexedText(unescape(v)))) };
      }
      default:
        return badModifier();
    }
  }

  function missingCondition(name: string, param: SearchParam, value: string): Condition {
    const missing = parseMissing(name, value);
    if (param.code === '_id' || param.code === '_lastUpdated') {
      // Every resource has both: missing=true matches nothing, missing=false everything.
      return missing ? { kind: 'id', ids: [] } : { kind: 'id', ids: [], not: true };
    }
    return { kind: 'missing', table: tableOf(param.type), param: param.code, missing };
  }

  function parseChain(onTypes: string[], name: string, dot: number, value: string, depth: number): Condition | undefined {
    if (depth >= MAX_CHAIN_DEPTH) throw notSupported(`Chains deeper than ${MAX_CHAIN_DEPTH} are not supported: '${name}'`);
    const [code = '', typeModifier, ...extra] = name.slice(0, dot).split(':');
    const rest = name.slice(dot + 1);
    const param = lookup(onTypes, code);
    if (!param || extra.length > 0) {
      unknown(name, `'${code}' is not a search parameter of ${onTypes.filter(Boolean).join(', ') || 'every resource type'}`);
      return undefined;
    }
    if (param.type !== 'reference') throw badRequest(`Only reference parameters can be chained; '${code}' is a ${param.type}`, name);
    if (typeModifier !== undefined && !isResourceType(typeModifier)) throw badRequest(`Unknown resource type '${typeModifier}' in '${name}'`, name);
    const candidates = typeModifier ? [typeModifier] : param.targets.length > 0 ? [...param.targets] : [...registry.resourceTypes];
    const chainedCode = rest.split(/[.:]/)[0] ?? '';
    const targets = candidates.filter((t) => registry.get(t, chainedCode));
    const kinds = new Set(targets.map((t) => registry.get(t, chainedCode)?.type));
    if (targets.length === 0) {
      unknown(name, `no target of '${code}' has a search parameter '${chainedCode}'`);
      return undefined;
    }
    if (kinds.size > 1) throw badRequest(`'${name}' is ambiguous: name the target type, e.g. ${code}:${targets[0]}.${rest}`, name);
    const condition = parseCondition(targets, rest, value, depth + 1);
    return condition && { kind: 'chain', param: code, targetTypes: targets, condition, baseUrl: settings.baseUrl };
  }

  function parseSort(value: string) {
    for (const rawKey of value.split(',')) {
      const key = rawKey.trim();
      if (key === '') continue;
      const descending = key.startsWith('-');
      const code = descending ? key.slice(1) : key;
      if (code === '_id' || code === '_lastUpdated') {
        sort.push({ kind: code === '_id' ? 'id' : 'lastUpdated', descending });
        continue;
      }
      const param = lookup(types, code);
      if (!param) {
        unknown(`_sort=${code}`, 'not a sortable search parameter here');
        continue;
      }
      sort.push({ kind: 'param', table: tableOf(param.type), param: code, descending });
    }
  }

  function parseInclude(name: string, value: string) {
    const [base, mod, ...extra] = name.split(':');
    if (extra.length > 0 || (mod !== undefined && mod !== 'iterate' && mod !== 'recurse')) {
      throw badRequest(`Unknown modifier on ${name}`, name);
    }
    const reverse = base === '_revinclude';
    const iterate = mod !== undefined;
    if (value === '*') {
      // Every reference parameter of the matched type(s).
      for (const t of types.filter(Boolean)) include.push({ reverse, sourceType: t, iterate, baseUrl: settings.baseUrl });
      return true;
    }
    const [sourceType = '', code = '', targetType, ...more] = value.split(':');
    if (more.length > 0 || !sourceType || !code) throw badRequest(`${base} takes Type:parameter[:TargetType], not '${value}'`, name);
    if (!isResourceType(sourceType)) throw badRequest(`Unknown resource type '${sourceType}' in ${name}`, name);
    if (targetType !== undefined && !isResourceType(targetType)) throw badRequest(`Unknown resource type '${targetType}' in ${name}`, name);
    if (code === '*') {
      include.push({ reverse, sourceType, iterate, baseUrl: settings.baseUrl, ...(targetType ? { targetType } : {}) });
      return true;
    }
    const param = registry.get(sourceType, code);
    if (!param || param.type !== 'reference') {
      // A bad value, not an unknown parameter: refused in lenient mode too (security catalogue L9).
      throw notSupported(`'${code}' is not a reference search parameter of ${sourceType} (in ${name})`);
    }
    include.push({ reverse, sourceType, param: code, iterate, baseUrl: settings.baseUrl, ...(targetType ? { targetType } : {}) });
    return true;
  }

  for (const [name, value] of query) {
    if (IGNORED.has(name) || name === '_type') continue;
    // PostgreSQL text cannot hold NUL; no FHIR value contains one.
    if (name.includes('\0') || value.includes('\0')) throw badRequest(`Parameter '${name.replace(/\0/g, '')}' contains a NUL character`);
    if (name === '_page_token') {
      result.cursor = value;
      continue;
    }
    if (value === '' && !name.startsWith('_')) continue; // An empty parameter constrains nothing.
    let applied = true;
    switch (name) {
      case '_count':
        if (!/^\d{1,9}$/.test(value)) throw badRequest(`_count must be a whole number, not '${value}'`, '_count');
        result.count = Math.min(Number(value), settings.maxPageSize);
        break;
      case '_sort':
        parseSort(value);
        break;
      case '_summary':
        if (!SUMMARY.has(value as SummaryMode)) throw badRequest(`_summary takes true, false, text, data or count, not '${value}'`, '_summary');
        result.summary = value as SummaryMode;
        break;
      case '_elements': {
        const elements = value.split(',').map((e) => e.trim().replace(/^[A-Z][A-Za-z]+\./, '')).filter(Boolean);
        for (const e of elements) if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(e)) throw badRequest(`'${e}' is not an element name (in _elements)`, '_elements');
        result.elements = [...(result.elements ?? []), ...elements];
        break;
      }
      case '_total':
        if (value !== 'none' && value !== 'estimate' && value !== 'accurate') {
          throw badRequest(`_total takes none, estimate or accurate, not '${value}'`, '_total');
        }
        result.total = value;
        break;
      default:
        if (name.startsWith('_include') || name.startsWith('_revinclude')) {
          applied = parseInclude(name, value);
        } else {
          const condition = parseCondition(types, name, value, 0);
          if (condition) conditions.push(condition);
          else applied = false;
        }
    }
    if (applied) result.applied.push([name, value]);
  }
  if (result.summary === 'count') result.count = 0;
  result.conditions = conditions;
  if (sort.length > 0) result.sort = sort;
  if (include.length > 0) result.include = include;
  return result;
}

function tableOf(type: SearchParamType): IndexTable {
  switch (type) {
    case 'token':
    case 'string':
    case 'reference':
    case 'date':
    case 'number':
    case 'quantity':
    case 'uri':
      return type;
    default:
      throw badRequest(`Parameters of type ${type} are not supported`);
  }
}
