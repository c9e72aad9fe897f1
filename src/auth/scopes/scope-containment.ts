import type { Permission, ResourceScope, Scope, ScopeQueryParam } from './scope.ts';

/**
 * Whether everything `wanted` permits, `granted` already permits: the test a refresh request's scope
 * must pass (RFC 6749 §6: "MUST NOT include any scope not originally granted"), by meaning as SMART
 * App Launch 2.2 §"Scopes for requesting FHIR resources" defines it, not token by token:
 *
 * - launch, OpenID Connect and refresh scopes (`launch`, `openid`, `fhirUser`, `offline_access`…) are
 *   compared as tokens;
 * - a resource scope is covered when each of its permissions is given by a granted scope of the same
 *   context whose type is the same or `*`, and whose query (if any) is part of the wanted scope's query
 *   (a query-less scope covers the same scope with a query; `patient/*.rs` covers
 *   `patient/Observation.rs?category=…`). v1 `read` is `rs` and `write` is `cud` (scope.ts), so
 *   `patient/*.read` covers `patient/Observation.read` and `patient/Observation.r`;
 * - a scope we don't understand is never covered.
 */
export function isCoveredBy(wanted: readonly Scope[], granted: readonly Scope[]): boolean {
  return wanted.every((scope) => scopeCoveredBy(scope, granted));
}

export function scopeCoveredBy(wanted: Scope, granted: readonly Scope[]): boolean {
  if (wanted.kind === 'unknown') return false;
  if (wanted.kind !== 'resource') return granted.some((g) => g.kind === wanted.kind);
  const resources = granted.filter((g): g is ResourceScope => g.kind === 'resource');
  return [...wanted.permissions].every((permission) => resources.some((g) => givesPermission(g, wanted, permission)));
}

/** Whether `granted` allows `permission` on every resource `wanted` reaches. */
function givesPermission(granted: ResourceScope, wanted: ResourceScope, permission: Permission): boolean {
  return (
    granted.context === wanted.context &&
    (granted.resourceType === '*' || granted.resourceType === wanted.resourceType) &&
    granted.permissions.has(permission) &&
    // Query pairs AND together: fewer pairs match more resources.
    (granted.query ?? []).every((pair) => hasPair(wanted.query ?? [], pair))
  );
}

function hasPair(query: readonly ScopeQueryParam[], [name, value]: ScopeQueryParam): boolean {
  return query.some(([n, v]) => n === name && v === value);
}
