import type { Scope, ScopeQueryParam } from '../scopes/scope.ts';

/** What a token carries that matters for FHIR access. */
export interface AccessGrant {
  readonly scopes: readonly Scope[];
  /** The patient in context (a Patient id, not a reference). `patient/` scopes need one. */
  readonly patient?: string;
  /** Why there is no patient in context although the token may name one (for explanations). */
  readonly noPatientBecause?: string;
  /** The user's FHIR resource (e.g. `Practitioner/123`); `user/` scopes act for it (AccessPolicies). */
  readonly fhirUser?: string;
  /** The Client the token was issued to, and the User it acts for: whom AccessPolicies are linked to. */
  readonly clientId?: string;
  readonly userId?: string;
}

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
 * Membership in the patient compartment of the token's patient, for the storage layer to enforce on
 * every resource read, returned, written or deleted (and on `_include`d / `_revinclude`d ones).
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

/** One way a resource may be reached: it must meet the compartment (if any) AND every query pair. */
export interface AccessClause {
  /** The granted scope this clause comes from (for explanations). */
  readonly scope: string;
  readonly compartment?: CompartmentConstraint;
  /** A granular scope's filter, as FHIR search parameters on the type (they AND). */
  readonly query?: readonly ScopeQueryParam[];
}

export type AccessConstraints =
  /** Nothing for the storage layer to enforce (user/ and system/ scopes; AccessPolicies apply later). */
  | { readonly kind: 'none' }
  /** A resource is reachable when it meets at least ONE clause (granular scopes combine with OR). */
  | { readonly kind: 'any-of'; readonly clauses: readonly AccessClause[] };

export type AccessDecision =
  | { readonly allowed: false; readonly reason: string }
  | {
      readonly allowed: true;
      readonly reason: string;
      /** The granted scopes the decision rests on (empty for requests that need none). */
      readonly scopes: readonly string[];
      readonly constraints: AccessConstraints;
    };
