/**
 * SMART scopes as typed values. A scope string is parsed once (parse-scopes.ts) and the rest of the
 * server works on these values. SMART App Launch 2.2.0 §"Scopes and Launch Context".
 */

/** The SMART v2 permission letters, in their canonical order (create, read, update, delete, search). */
export type Permission = 'c' | 'r' | 'u' | 'd' | 's';
export const PERMISSION_ORDER: readonly Permission[] = ['c', 'r', 'u', 'd', 's'];

export type ScopeContext = 'patient' | 'user' | 'system';

/** One `name=value` pair of a granular scope's query, percent-decoded. */
export type ScopeQueryParam = readonly [name: string, value: string];

/** `patient/Observation.rs?category=...`, `user/*.write`, `system/*.*`. */
export interface ResourceScope {
  readonly kind: 'resource';
  readonly context: ScopeContext;
  /** A FHIR resource type, or `*` for every type. */
  readonly resourceType: string;
  readonly permissions: ReadonlySet<Permission>;
  /** 1: `read` / `write` / `*` syntax; 2: `cruds` letters. Formatting keeps the syntax it was asked in. */
  readonly version: 1 | 2;
  /** Granular (v2) scope filter: every pair must match (they AND, as in a FHIR search). */
  readonly query?: readonly ScopeQueryParam[];
  /** The token as it was written. */
  readonly text: string;
}

/** The scopes that are not about resources (launch context, OpenID Connect, refresh tokens). */
export const NON_RESOURCE_SCOPES = [
  'openid',
  'fhirUser',
  'profile',
  'launch',
  'launch/patient',
  'launch/encounter',
  'offline_access',
  'online_access',
] as const;
export type NonResourceScopeName = (typeof NON_RESOURCE_SCOPES)[number];

export interface NonResourceScope {
  readonly kind: NonResourceScopeName;
  readonly text: string;
}

/** A token we don't understand. Kept, not thrown: the authorize step decides what to do with it. */
export interface UnknownScope {
  readonly kind: 'unknown';
  readonly text: string;
  /** Why it was not understood, in words (for error pages and logs). */
  readonly problem: string;
}

export type Scope = ResourceScope | NonResourceScope | UnknownScope;

export function isResourceScope(scope: Scope): scope is ResourceScope {
  return scope.kind === 'resource';
}
