export * from './scope.ts';
export { parseScope, parseScopes, scopeSyntaxProblem, type ParseScopesOptions } from './parse-scopes.ts';
export { formatScope, formatScopes } from './format-scope.ts';
export { intersectScopes } from './intersect-scopes.ts';
export { isCoveredBy, scopeCoveredBy } from './scope-containment.ts';
export { describeScope, type RecordReader } from './scope-description.ts';
