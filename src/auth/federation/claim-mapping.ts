import type { ClaimMapping, FhirUserMapping } from './identity-provider.ts';
import type { IdTokenClaims } from './upstream-client.ts';

/** What the tenant's records answer about a person's FHIR resource. */
export interface FhirUserDirectory {
  /** Whether `Type/id` is a live resource of the tenant. */
  exists(resourceType: string, id: string): Promise<boolean>;
  /** The ids of the tenant's live resources of this type with this identifier (at most a few). */
  findByIdentifier(resourceType: string, system: string, value: string): Promise<string[]>;
}

/** The mapping refused the claims: `reason` for the audit trail, `message` for the person at the sign-in page. */
export class MappingRefusal extends Error {
  constructor(readonly reason: string, readonly userMessage: string) {
    super(reason);
    this.name = 'MappingRefusal';
  }
}

const FHIR_USER_TYPES = new Set(['Patient', 'Practitioner', 'RelatedPerson', 'Person']);
const ID = /^[A-Za-z0-9.-]{1,64}$/;

/** The subject the mapping names the person by (OpenID Connect Core §5.7: with the issuer, the only stable identifier). */
export function subjectOf(claims: IdTokenClaims, mapping: ClaimMapping): string {
  const value = claims[mapping.user_claim];
  if (typeof value !== 'string' || value.length === 0 || value.length > 255) {
    throw new MappingRefusal(`the id_token has no usable "${mapping.user_claim}" claim`, 'Your identity provider did not say who you are.');
  }
  return value;
}

/**
 * The person's FHIR resource as `Type/id`, by the mapping; undefined with `none`. A claim that names nothing in the
 * tenant's records, or an identifier that matches no resource or several, refuses the sign-in: a person is never
 * given someone else's record, nor a guessed one.
 */
export async function fhirUserOf(claims: IdTokenClaims, mapping: FhirUserMapping, directory: FhirUserDirectory, fhirBaseUrl: string): Promise<string | undefined> {
  if (mapping.type === 'none') return undefined;
  const value = claims[mapping.claim];
  if (typeof value !== 'string' || value.length === 0) {
    throw new MappingRefusal(`the id_token has no "${mapping.claim}" claim to find the fhirUser by`, 'Your identity provider did not say which record is yours.');
  }
  if (mapping.type === 'claim') {
    // A reference, relative or below this tenant's FHIR base (SMART's fhirUser is an absolute URL).
    const relative = value.startsWith(`${fhirBaseUrl}/`) ? value.slice(fhirBaseUrl.length + 1) : value;
    const [type = '', id = '', ...rest] = relative.split('/');
    if (rest.length > 0 || !FHIR_USER_TYPES.has(type) || !ID.test(id)) {
      throw new MappingRefusal(`the "${mapping.claim}" claim is not a reference to a Patient, Practitioner, RelatedPerson or Person of this server`, 'Your identity provider named a record this server does not hold.');
    }
    if (!(await directory.exists(type, id))) {
      throw new MappingRefusal(`the "${mapping.claim}" claim names ${type}/${id}, which this tenant does not hold`, 'Your identity provider named a record this server does not hold.');
    }
    return `${type}/${id}`;
  }
  const ids = await directory.findByIdentifier(mapping.resourceType, mapping.system, value);
  if (ids.length !== 1) {
    const found = ids.length === 0 ? 'no' : 'more than one';
    throw new MappingRefusal(
      `${found} ${mapping.resourceType} has the identifier ${mapping.system}|${value} (from the "${mapping.claim}" claim)`,
      `No single ${mapping.resourceType.toLowerCase()} record of this organisation matches your account. Ask an administrator to check your record's identifier.`,
    );
  }
  return `${mapping.resourceType}/${ids[0] as string}`;
}

/**
 * The roles after this sign-in: the roles the mapping can grant are the upstream's to decide at each sign-in (a
 * person removed from a group loses its role); any other role is the administrator's and kept.
 */
export function rolesOf(claims: IdTokenClaims, mapping: ClaimMapping, current: readonly string[] = []): string[] {
  if (!mapping.roles) return [...current];
  const managed = new Set(Object.values(mapping.roles.values));
  const raw = claims[mapping.roles.claim];
  const values = typeof raw === 'string' ? [raw] : Array.isArray(raw) ? raw.filter((v): v is string => typeof v === 'string') : [];
  const granted = values.flatMap((v) => (Object.hasOwn(mapping.roles?.values ?? {}, v) ? [mapping.roles?.values[v] as string] : []));
  return [...new Set([...current.filter((role) => !managed.has(role)), ...granted])];
}

/** The person's name from the standard claims (OpenID Connect Core §5.1), as a User holds it. */
export function nameOf(claims: IdTokenClaims): string | { givenName?: string; familyName?: string } | undefined {
  const given = typeof claims.given_name === 'string' ? claims.given_name.slice(0, 256) : undefined;
  const family = typeof claims.family_name === 'string' ? claims.family_name.slice(0, 256) : undefined;
  if (given || family) return { ...(given ? { givenName: given } : {}), ...(family ? { familyName: family } : {}) };
  return typeof claims.name === 'string' && claims.name ? claims.name.slice(0, 256) : undefined;
}

/** A verified email (OpenID Connect Core §5.1: `email_verified` false means it is not), as a User holds it. */
export function emailOf(claims: IdTokenClaims): string | undefined {
  const email = claims.email;
  if (typeof email !== 'string' || email.length > 320 || !/^[^\s@]+@[^\s@]+$/.test(email)) return undefined;
  return claims.email_verified === false ? undefined : email;
}
