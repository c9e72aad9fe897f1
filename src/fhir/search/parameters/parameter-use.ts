import { badRequest } from '../../outcome.ts';
import type { SearchParam } from '../registry.ts';
import type { SearchContext } from '../search-context.ts';
import type { Condition } from '../search-request.ts';

/** One search parameter as a query uses it: `code:modifier=value,value`. */
export interface ParameterUse {
  /** As written, modifier included: what an error names. */
  name: string;
  code: string;
  modifier: string | undefined;
  param: SearchParam;
  /** The value as written. */
  value: string;
  /** The values (OR): `value` split on unescaped commas, still escaped otherwise. */
  values: string[];
}

/** Turns one use of a parameter of one kind into its Condition; a bad modifier or value is a 400. */
export type ParameterParser = (use: ParameterUse, context: SearchContext) => Condition;

/** A modifier the parameter's kind does not take (FHIR R4 search.html#modifiers). */
export function badModifier(use: ParameterUse): never {
  throw badRequest(`Unknown or unsupported modifier ':${use.modifier ?? ''}' on ${use.param.type} parameter '${use.code}'`, use.name);
}
