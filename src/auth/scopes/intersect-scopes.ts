import { formatScope } from './format-scope.ts';
import { intersectPermissions, v1Keyword } from './permissions.ts';
import type { Permission, ResourceScope, Scope, ScopeQueryParam } from './scope.ts';

/**
 * What can be granted of `requested` given what a client (or user, or consent) `allows`.
 *
 * Non-resource scopes are granted when allowed as such. A requested resource scope is narrowed by
 * every allowed scope of the same context that overlaps it: the narrower type, the common
 * permissions, and both queries (a granular allowed scope narrows a resource-level request). The
 * result keeps the requested syntax (v1 stays v1 where it can be said in v1; a request granted in
 * full comes back as the very same token). Unknown scopes are never granted.
 */
export function intersectScopes(requested: readonly Scope[], allowed: readonly Scope[]): Scope[] {
  const allowedResources = allowed.filter((s): s is ResourceScope => s.kind === 'resource');
  const allowedKinds = new Set(allowed.map((s) => s.kind));
  const granted = new Map<string, Scope>();
  const add = (scope: Scope) => {
    const key = formatScope(scope);
    if (!granted.has(key)) granted.set(key, scope);
  };

  for (const wanted of requested) {
    if (wanted.kind === 'unknown') continue;
    if (wanted.kind !== 'resource') {
      if (allowedKinds.has(wanted.kind)) add(wanted);
      continue;
    }
    for (const scope of narrow(wanted, allowedResources)) add(scope);
  }
  return [...granted.values()];
}

function narrow(wanted: ResourceScope, allowed: readonly ResourceScope[]): ResourceScope[] {
  // Overlaps with each allowed scope, merged per (type, query): their permissions add up.
  const merged = new Map<string, { resourceType: string; query: ScopeQueryParam[]; permissions: Set<Permission> }>();
  for (const a of allowed) {
    if (a.context !== wanted.context) continue;
    if (a.resourceType !== '*' && wanted.resourceType !== '*' && a.resourceType !== wanted.resourceType) continue;
    const permissions = intersectPermissions(wanted.permissions, a.permissions);
    if (permissions.size === 0) continue;
    const resourceType = wanted.resourceType === '*' ? a.resourceType : wanted.resourceType;
    const query = unionQuery(wanted.query ?? [], a.query ?? []);
    const key = `${resourceType}?${queryKey(query)}`;
    const entry = merged.get(key);
    if (entry) for (const p of permissions) entry.permissions.add(p);
    else merged.set(key, { resourceType, query, permissions });
  }

  const candidates = [...merged.values()];
  // Drop overlaps another one already covers (allowed `patient/*.rs` and `patient/Observation.r`).
  const kept = candidates.filter(
    (c, i) => !candidates.some((other, j) => j !== i && covers(other, c) && (!covers(c, other) || j < i)),
  );
  return kept.map((c) => {
    if (sameAs(wanted, c)) return wanted;
    const version = wanted.version === 1 && v1Keyword(c.permissions) ? 1 : 2;
    const scope: ResourceScope = {
      kind: 'resource',
      context: wanted.context,
      resourceType: c.resourceType,
      permissions: c.permissions,
      version,
      ...(c.query.length > 0 ? { query: c.query } : {}),
      text: '',
    };
    return { ...scope, text: formatScope(scope) };
  });
}

interface Shape {
  resourceType: string;
  permissions: ReadonlySet<Permission>;
  query?: readonly ScopeQueryParam[];
}

/** Whether everything `narrower` permits, `broader` permits too. */
function covers(broader: Shape, narrower: Shape): boolean {
  return (
    (broader.resourceType === '*' || broader.resourceType === narrower.resourceType) &&
    [...narrower.permissions].every((p) => broader.permissions.has(p)) &&
    (broader.query ?? []).every(([n, v]) => (narrower.query ?? []).some(([n2, v2]) => n === n2 && v === v2))
  );
}

function sameAs(a: Shape, b: Shape): boolean {
  return covers(a, b) && covers(b, a) && a.resourceType === b.resourceType;
}

function unionQuery(a: readonly ScopeQueryParam[], b: readonly ScopeQueryParam[]): ScopeQueryParam[] {
  const out = [...a];
  for (const [n, v] of b) if (!out.some(([n2, v2]) => n === n2 && v === v2)) out.push([n, v]);
  return out;
}

function queryKey(query: readonly ScopeQueryParam[]): string {
  return query
    .map(([n, v]) => `${n}=${v}`)
    .sort()
    .join('&');
}
