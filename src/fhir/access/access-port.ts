import type { Resource } from '../resource.ts';
import type { SearchIndexRows } from '../search/index-rows.ts';

/**
 * The port through which the FHIR layer learns what a caller may do. The FHIR layer declares it and
 * enforces its decisions; who decides, and from what (tokens, scopes, policies), is the implementer's
 * business. Absent from the deps = full access (the root client, trusted internal callers).
 */
export interface FhirAccess {
  decide(request: FhirAccessRequest): AccessDecision;
  /** Search index of one resource (the same FHIRPath extraction the store runs at write time). */
  index(resource: Resource): SearchIndexRows;
  /** Sandbox: `?_explain=true` answers with the decision instead of running the request. */
  explain: boolean;
}

/** The interactions access is decided for (FHIR R4 http.html; conditional ones are decided as their plain kind). */
export type FhirAccessInteraction =
  | 'read'
  | 'vread'
  | 'search-type'
  | 'search-system'
  | 'create'
  | 'update'
  | 'delete'
  | 'history-instance'
  | 'history-type'
  | 'history-system'
  | 'capabilities'
  | 'batch'
  | 'operation';

export interface FhirAccessRequest {
  readonly interaction: FhirAccessInteraction;
  readonly resourceType?: string;
  readonly id?: string;
}

/**
 * Membership in the compartment of the one patient the access is confined to, for the storage layer to
 * enforce on every resource read, returned, written or deleted (and on `_include`d / `_revinclude`d ones).
 */
export type CompartmentConstraint =
  /** The resource is `Patient/{patientId}` itself. */
  | { readonly kind: 'patient-id'; readonly patientId: string }
  /** One of `params` (search parameters of `resourceType`) references `Patient/{patientId}`. */
  | {
      readonly kind: 'patient-link';
      readonly patientId: string;
      readonly resourceType: string;
      readonly params: readonly string[];
    };

/** A search parameter and its value, as a query string carries them. */
export type AccessQueryParam = readonly [name: string, value: string];

/** One way a resource may be reached: it must meet the compartment (if any) AND every query pair. */
export interface AccessClause {
  readonly compartment?: CompartmentConstraint;
  /** A filter, as FHIR search parameters on the type (they AND). */
  readonly query?: readonly AccessQueryParam[];
}

export type AccessConstraints =
  /** Nothing for the storage layer to enforce. */
  | { readonly kind: 'none' }
  /** A resource is reachable when it meets at least ONE clause (clauses combine with OR). */
  | { readonly kind: 'any-of'; readonly clauses: readonly AccessClause[] };

export type AccessDecision =
  | { readonly allowed: false; readonly reason: string }
  | { readonly allowed: true; readonly reason: string; readonly constraints: AccessConstraints };
