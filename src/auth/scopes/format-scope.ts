import { permissionLetters, v1Keyword } from './permissions.ts';
import type { Scope, ScopeQueryParam } from './scope.ts';

/**
 * A scope value back to its token. v1 scopes keep v1 syntax (`read`, `write`, `*`) as long as their
 * permissions can be said that way; otherwise, and for v2, the `cruds` letters. Query values are
 * written verbatim except for the characters that would break the token (space, `&`, `%`, `#`, and `=` in names).
 */
export function formatScope(scope: Scope): string {
  if (scope.kind !== 'resource') return scope.text;
  const keyword = scope.version === 1 ? v1Keyword(scope.permissions) : undefined;
  const base = `${scope.context}/${scope.resourceType}.${keyword ?? permissionLetters(scope.permissions)}`;
  return scope.query && scope.query.length > 0 ? `${base}?${formatQuery(scope.query)}` : base;
}

/** Scope values to a space-separated scope string (RFC 6749 §3.3). */
export function formatScopes(scopes: readonly Scope[]): string {
  return [...new Set(scopes.map(formatScope))].join(' ');
}

function formatQuery(query: readonly ScopeQueryParam[]): string {
  return query.map(([name, value]) => `${escape(name, /[\s&=%#]/g)}=${escape(value, /[\s&%#]/g)}`).join('&');
}

function escape(text: string, unsafe: RegExp): string {
  return text.replace(unsafe, (c) => encodeURIComponent(c));
}
