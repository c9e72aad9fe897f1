import { badRequest, notSupported } from '../outcome.ts';
import type { SearchContext } from './search-context.ts';
import type { IncludeRule } from './search-request.ts';

/**
 * `_include=Type:parameter[:TargetType]` and `_revinclude=…` (FHIR R4 search.html#include), with
 * `:iterate` (or R3's `:recurse`); `*` for every reference parameter of the matched types, or of `Type`.
 */
export function parseInclude(name: string, value: string, types: readonly string[], context: SearchContext): IncludeRule[] {
  const { baseUrl } = context.settings;
  const [base, mod, ...extra] = name.split(':');
  if (extra.length > 0 || (mod !== undefined && mod !== 'iterate' && mod !== 'recurse')) {
    throw badRequest(`Unknown modifier on ${name}`, name);
  }
  const reverse = base === '_revinclude';
  const iterate = mod !== undefined;
  if (value === '*') {
    // Every reference parameter of the matched type(s).
    return types.filter(Boolean).map((t) => ({ reverse, sourceType: t, iterate, baseUrl }));
  }
  const [sourceType = '', code = '', targetType, ...more] = value.split(':');
  if (more.length > 0 || !sourceType || !code) throw badRequest(`${base} takes Type:parameter[:TargetType], not '${value}'`, name);
  if (!context.isResourceType(sourceType)) throw badRequest(`Unknown resource type '${sourceType}' in ${name}`, name);
  if (targetType !== undefined && !context.isResourceType(targetType)) throw badRequest(`Unknown resource type '${targetType}' in ${name}`, name);
  if (code === '*') return [{ reverse, sourceType, iterate, baseUrl, ...(targetType ? { targetType } : {}) }];
  const param = context.registry.get(sourceType, code);
  if (!param || param.type !== 'reference') {
    // A bad value, not an unknown parameter: refused in lenient mode too.
    throw notSupported(`'${code}' is not a reference search parameter of ${sourceType} (in ${name})`);
  }
  return [{ reverse, sourceType, param: code, iterate, baseUrl, ...(targetType ? { targetType } : {}) }];
}
