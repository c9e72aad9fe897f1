import { formatScope } from './format-scope.ts';
import type { Scope } from './scope.ts';

/**
 * Whether every token of `subset` is also a token of `superset`, compared in normalized form
 * (`%7C` and `|` are the same query). Token-wise, not by meaning: on refresh a requested scope must
 * be a subset of the original grant (RFC 6749 §6), which Inferno checks token by token.
 */
export function isSubsetOf(subset: readonly Scope[], superset: readonly Scope[]): boolean {
  const tokens = new Set(superset.map(formatScope));
  return subset.every((scope) => tokens.has(formatScope(scope)));
}
