import type { RegistryRepository, RegistryResource, Stored } from '../registry/registry-repository.ts';

/** How Portico authenticates to the upstream's token endpoint (OpenID Connect Core §9). */
export type UpstreamClientAuthentication = 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

/** Where a signed-in person's FHIR resource (`fhirUser`) comes from. */
export type FhirUserMapping =
  /** A claim holding a reference, `Practitioner/123` (or the tenant's FHIR base followed by one). */
  | { type: 'claim'; claim: string }
  /** A claim holding an identifier's value, searched as `identifier=system|value` among the tenant's resources of one type. */
  | { type: 'identifier'; claim: string; system: string; resourceType: 'Practitioner' | 'Patient' | 'RelatedPerson' | 'Person' }
  | { type: 'none' };

export interface ClaimMapping {
  /** The claim naming the person at the upstream; with the issuer, the stable key of their User (default `sub`). */
  user_claim: string;
  fhirUser: FhirUserMapping;
  /** Roles from a claim (a string or a list of strings): each value listed maps to a Portico role. */
  roles?: { claim: string; values: Record<string, string> };
  /** `jit`: the User is made at their first sign-in; `existing-only`: an administrator links them first (User.identities). */
  provisioning: 'jit' | 'existing-only';
}

/**
 * An OpenID provider a tenant's people sign in with (Keycloak's identity brokering, Aidbox's IdentityProvider): its
 * issuer (discovered through `/.well-known/openid-configuration`), Portico's registration there, and how its claims
 * become a User. `client_secret` is stored sealed (like a Client's secret) and never shown.
 */
export interface IdentityProvider extends RegistryResource {
  resourceType: 'IdentityProvider';
  title: string;
  issuer: string;
  client_id: string;
  /** Sealed for this provider's id; absent with private_key_jwt. */
  client_secret?: string;
  token_endpoint_auth_method: UpstreamClientAuthentication;
  scopes: string[];
  active: boolean;
  mapping: ClaimMapping;
}

export type StoredIdentityProvider = Stored<IdentityProvider>;

export interface IdentityProviderRepository extends RegistryRepository<IdentityProvider> {
  /** A tenant's providers (active or not), by id, in one statement; at most `limit`. */
  listByTenant(tenantId: string, limit: number): Promise<StoredIdentityProvider[]>;
}

/** What an IdentityProvider id may be (the admin API's ids): a path's id is anyone's text until it matches. */
export const PROVIDER_ID = /^[A-Za-z0-9._~-]{1,128}$/;

/** A person's account at an upstream, as a User records it: the pair that identifies them for good. */
export interface FederatedIdentity {
  issuer: string;
  subject: string;
}
