import type { AccessClause, AccessConstraints, AccessDecision } from '../../fhir/access/access-port.ts';
import type { ScopeQueryParam } from '../scopes/scope.ts';

/** A clause of the FHIR access port as a granted scope sets it, with that scope (for explanations). */
export interface ScopeClause extends AccessClause {
  /** The granted scope this clause comes from. */
  readonly scope: string;
  /** A granular scope's filter (SMART 2.x §"Finer-grained resource constraints"). */
  readonly query?: readonly ScopeQueryParam[];
}

export type ScopeConstraints =
  /** Nothing for the storage layer to enforce (user/ and system/ scopes; AccessPolicies apply later). */
  | Extract<AccessConstraints, { kind: 'none' }>
  /** Granular scopes combine with OR: a resource meeting one clause is reachable. */
  | { readonly kind: 'any-of'; readonly clauses: readonly ScopeClause[] };

/** A FHIR access decision made from a token's scopes: one the port accepts, with the granted scopes it rests on. */
export type ScopeDecision =
  | Extract<AccessDecision, { allowed: false }>
  | {
      readonly allowed: true;
      readonly reason: string;
      /** The granted scopes the decision rests on (empty for requests that need none). */
      readonly scopes: readonly string[];
      readonly constraints: ScopeConstraints;
    };
