import { badRequest, notSupported } from '../outcome.ts';
import type { SearchContext } from './search-context.ts';
import type { Condition } from './search-request.ts';

const MAX_CHAIN_DEPTH = 3;

/** Parses a chain's target parameter on the chain's target types (parse-condition.ts, passed in to keep the two apart). */
type TargetParser = (onTypes: readonly string[], name: string, value: string, depth: number, context: SearchContext) => Condition | undefined;

/**
 * A chained parameter (FHIR R4 search.html#chaining): `subject:Patient.name=x` matches references of
 * `subject` to a Patient whose name matches; chains go at most three links deep.
 */
export function parseChain(
  onTypes: readonly string[],
  name: string,
  value: string,
  depth: number,
  context: SearchContext,
  parseTarget: TargetParser,
): Condition | undefined {
  const { registry } = context;
  if (depth >= MAX_CHAIN_DEPTH) throw notSupported(`Chains deeper than ${MAX_CHAIN_DEPTH} are not supported: '${name}'`);
  const dot = name.indexOf('.');
  const [code = '', typeModifier, ...extra] = name.slice(0, dot).split(':');
  const rest = name.slice(dot + 1);
  const param = context.lookup(onTypes, code);
  if (!param || extra.length > 0) {
    context.unknown(name, `'${code}' is not a search parameter of ${onTypes.filter(Boolean).join(', ') || 'every resource type'}`);
    return undefined;
  }
  if (param.type !== 'reference') throw badRequest(`Only reference parameters can be chained; '${code}' is a ${param.type}`, name);
  if (typeModifier !== undefined && !context.isResourceType(typeModifier)) throw badRequest(`Unknown resource type '${typeModifier}' in '${name}'`, name);
  const candidates = typeModifier ? [typeModifier] : param.targets.length > 0 ? [...param.targets] : [...registry.resourceTypes];
  const chainedCode = rest.split(/[.:]/)[0] ?? '';
  const targets = candidates.filter((t) => registry.get(t, chainedCode));
  const kinds = new Set(targets.map((t) => registry.get(t, chainedCode)?.type));
  if (targets.length === 0) {
    context.unknown(name, `no target of '${code}' has a search parameter '${chainedCode}'`);
    return undefined;
  }
  if (kinds.size > 1) throw badRequest(`'${name}' is ambiguous: name the target type, e.g. ${code}:${targets[0]}.${rest}`, name);
  const condition = parseTarget(targets, rest, value, depth + 1, context);
  return condition && { kind: 'chain', param: code, targetTypes: targets, condition, baseUrl: context.settings.baseUrl };
}

/**
 * Reverse chaining (FHIR R4 search.html#has): `_has:Observation:patient:code=x` matches the resources some
 * Observation references through its `patient` parameter, that Observation matching `code=x`. The inner
 * parameter may itself be a `_has` or a chain; together they go at most three links deep.
 */
export function parseHas(onTypes: readonly string[], name: string, value: string, depth: number, context: SearchContext, parseTarget: TargetParser): Condition | undefined {
  if (depth >= MAX_CHAIN_DEPTH) throw notSupported(`Chains deeper than ${MAX_CHAIN_DEPTH} are not supported: '${name}'`);
  const [, sourceType = '', code = '', ...rest] = name.split(':');
  const inner = rest.join(':');
  if (!sourceType || !code || !inner) throw badRequest(`'${name}' must be _has:{type}:{reference parameter}:{parameter}`, name);
  if (!context.isResourceType(sourceType)) throw badRequest(`Unknown resource type '${sourceType}' in '${name}'`, name);
  const param = context.registry.get(sourceType, code);
  if (!param) {
    context.unknown(name, `'${code}' is not a search parameter of ${sourceType}`);
    return undefined;
  }
  if (param.type !== 'reference') throw badRequest(`_has needs a reference parameter; '${sourceType}:${code}' is a ${param.type}`, name);
  const known = onTypes.filter(Boolean);
  if (param.targets.length > 0 && known.length > 0 && !known.some((t) => param.targets.includes(t))) {
    throw badRequest(`'${sourceType}:${code}' never references ${known.join(' or ')}`, name);
  }
  const condition = parseTarget([sourceType], inner, value, depth + 1, context);
  return condition && { kind: 'has', sourceType, param: code, condition, baseUrl: context.settings.baseUrl };
}
