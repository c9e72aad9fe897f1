import type { Scope } from '../scopes/scope.ts';

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
