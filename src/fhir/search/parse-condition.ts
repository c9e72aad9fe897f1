import { badRequest } from '../outcome.ts';
import { parseChain, parseHas } from './parse-chain.ts';
import { splitEscaped } from './parse-values.ts';
import { PARAMETER_KINDS } from './parameters/index.ts';
import { missingParameter } from './parameters/missing.ts';
import { badModifier, type ParameterUse } from './parameters/parameter-use.ts';
import { COLUMN_PARAMETERS } from './parameters/resource-columns.ts';
import type { SearchContext } from './search-context.ts';
import type { Condition } from './search-request.ts';

/**
 * One filtering parameter, `name=value`, on the types a search covers, as a Condition; undefined when it
 * is unknown and dropped. A chain (`subject:Patient.name=x`) is `depth` links deep when its target is parsed.
 */
export function parseCondition(onTypes: readonly string[], name: string, value: string, depth: number, context: SearchContext): Condition | undefined {
  if (name.startsWith('_has:')) return parseHas(onTypes, name, value, depth, context, parseCondition);
  if (name.indexOf('.') > 0) return parseChain(onTypes, name, value, depth, context, parseCondition);
  const [code = '', modifier, ...extra] = name.split(':');
  if (extra.length > 0) throw badRequest(`Malformed parameter name '${name}'`, name);
  const param = context.lookup(onTypes, code);
  if (!param) {
    context.unknown(name, `not a search parameter of ${onTypes.filter(Boolean).join(', ') || 'every resource type'}`);
    return undefined;
  }
  const use: ParameterUse = { name, code, modifier, param, value, values: splitEscaped(value, ',') };
  if (modifier === 'missing') return missingParameter(use, context);
  const parse = COLUMN_PARAMETERS.get(code) ?? PARAMETER_KINDS[param.type];
  return parse ? parse(use, context) : badModifier(use);
}
