export * from './scope.ts';
export { parseScope, parseScopes, type ParseScopesOptions } from './parse-scopes.ts';
export { formatScope, formatScopes } from './format-scope.ts';
export { intersectScopes } from './intersect-scopes.ts';
export { isSubsetOf } from './scope-subset.ts';
