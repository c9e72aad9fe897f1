import { formatScope } from '../scopes/format-scope.ts';
import { v1Keyword } from '../scopes/permissions.ts';
import type { Permission, ResourceScope, Scope } from '../scopes/scope.ts';
import type { AccessGrant } from './access-grant.ts';
import type { PatientCompartment } from '../../fhir/access/patient-compartment.ts';
import { ID_SOURCE } from '../../fhir/resource.ts';

/**
 * A user who is a patient, or acts for one: their fhirUser is `Patient/<id>` or `RelatedPerson/<id>`.
 * `user/` scopes act "within the access the user has" (SMART App Launch 2.2 §"Scopes for requesting
 * clinical data"), and such a user's access is one patient's compartment: whatever a client's scopes and
 * AccessPolicies say, their grants act as `patient/` scopes on that patient. `id` is undefined when the
 * reference names no valid id (then the user reaches no patient data).
 */
export interface PatientUser {
  kind: 'Patient' | 'RelatedPerson';
  id: string | undefined;
}

/** `Patient/<id>` or `RelatedPerson/<id>`, as a User's fhirUser is stored. */
const RELATIVE = new RegExp(`^(Patient|RelatedPerson)/(${ID_SOURCE})$`);
/** Any other reference to one (absolute, versioned, malformed): still a patient user, fail closed. */
const ANY_FORM = /(?:^|\/)(Patient|RelatedPerson)\//;

/** The patient user a fhirUser reference names; undefined for anyone else (a Practitioner, a Person, no fhirUser). */
export function patientUserOf(fhirUser: string | undefined): PatientUser | undefined {
  const relative = RELATIVE.exec(fhirUser ?? '');
  if (relative) return { kind: relative[1] as PatientUser['kind'], id: relative[2] };
  const other = ANY_FORM.exec(fhirUser ?? '');
  return other ? { kind: other[1] as PatientUser['kind'], id: undefined } : undefined;
}

/** The patient a RelatedPerson acts for (`RelatedPerson.patient`), undefined when it names none this server has. */
export type RelatedPatientLookup = (relatedPersonId: string) => Promise<string | undefined>;

/** The Patient id a patient user may reach: their own, or their RelatedPerson's patient; undefined: none. */
export async function ownPatientOf(user: PatientUser, relatedPatient: RelatedPatientLookup | undefined): Promise<string | undefined> {
  if (user.id === undefined) return undefined;
  if (user.kind === 'Patient') return user.id;
  return relatedPatient ? relatedPatient(user.id) : undefined;
}

/**
 * The same scope in the patient context (type, query and v1/v2 spelling kept), with `permissions` (a subset
 * of its own): v1 stays v1 where the permissions can be said in v1.
 */
function inPatientContext(scope: ResourceScope, permissions: ReadonlySet<Permission> = scope.permissions): ResourceScope {
  if (scope.context === 'patient' && permissions.size === scope.permissions.size) return scope;
  const version = scope.version === 1 && v1Keyword(permissions) ? 1 : 2;
  const converted: ResourceScope = { ...scope, context: 'patient', permissions, version, text: '' };
  return { ...converted, text: formatScope(converted) };
}

/**
 * A patient user's scopes as they act: `user/` scopes become the same `patient/` scopes, `system/` scopes
 * are dropped (they are a backend service's, never a user's), anything else stays.
 */
function asPatientScopes(scopes: readonly Scope[]): Scope[] {
  const out = new Map<string, Scope>();
  for (const scope of scopes) {
    if (scope.kind === 'resource' && scope.context === 'system') continue;
    const acting = scope.kind === 'resource' ? inPatientContext(scope) : scope;
    const key = formatScope(acting);
    if (!out.has(key)) out.set(key, acting);
  }
  return [...out.values()];
}

/**
 * What a grant may do when it acts for a patient user, whoever built it (an authorization, a refresh of a
 * grant made before this rule, a sandbox debug token): its `user/` scopes act as `patient/` scopes, its
 * `system/` scopes not at all, so AccessPolicies never apply; and it reaches patient data only with the
 * user's own patient in context — `Patient/X` needs X, a RelatedPerson the patient its grant was made for
 * (checked against the RelatedPerson by `checkRelatedPatient`). Another patient, or none, reaches nothing.
 * Other grants come back as they are. Pure and idempotent.
 */
export function confinePatientUser(grant: AccessGrant): AccessGrant {
  const user = patientUserOf(grant.fhirUser);
  if (!user) return grant;
  const scopes = asPatientScopes(grant.scopes);
  const { patient, noPatientBecause: _none, ...rest } = grant;
  const own = user.kind === 'Patient' ? user.id : patient;
  if (patient !== undefined && patient === own) return { ...rest, scopes, patient };
  const because =
    patient === undefined ? (grant.noPatientBecause ?? 'the token has none') : `the token's patient ${patient} is not ${grant.fhirUser}'s own`;
  return { ...rest, scopes, noPatientBecause: because };
}

/**
 * A RelatedPerson's grant keeps its patient only while the RelatedPerson still names that patient (it may
 * have been changed, or deleted, since the grant was made). Other grants come back as they are.
 */
export async function checkRelatedPatient(grant: AccessGrant, relatedPatient: RelatedPatientLookup | undefined): Promise<AccessGrant> {
  const user = patientUserOf(grant.fhirUser);
  if (user?.kind !== 'RelatedPerson' || grant.patient === undefined) return grant;
  if ((await ownPatientOf(user, relatedPatient)) === grant.patient) return grant;
  const { patient, ...rest } = grant;
  return { ...rest, noPatientBecause: `${grant.fhirUser} is not related to Patient/${patient}` };
}

/**
 * What a patient user may be granted of `scopes` (authorization): each `user/` scope as the same `patient/`
 * scope, `system/` scopes not at all, and of every resource scope only the permissions a `patient/` scope
 * can exercise on its type (all of them in the compartment, read and search of the types read by
 * reference, nothing on other types: `user/Practitioner.cud` grants nothing, `user/Group.rs` nothing).
 * Duplicates are dropped; the order is kept.
 */
export function patientScopesFor(scopes: readonly Scope[], compartment: PatientCompartment): Scope[] {
  const out = new Map<string, Scope>();
  for (const scope of scopes) {
    let granted: Scope | undefined = scope;
    if (scope.kind === 'resource') {
      const permissions = exercisable(scope, compartment);
      granted = scope.context === 'system' || permissions.size === 0 ? undefined : inPatientContext(scope, permissions);
    }
    if (granted === undefined) continue;
    const key = formatScope(granted);
    if (!out.has(key)) out.set(key, granted);
  }
  return [...out.values()];
}

const READ_AND_SEARCH: ReadonlySet<Permission> = new Set(['r', 's']);

/** The permissions of `scope` a `patient/` scope can exercise on its type (see decideFhirAccess). */
function exercisable(scope: ResourceScope, compartment: PatientCompartment): ReadonlySet<Permission> {
  if (scope.resourceType === '*') return scope.permissions;
  switch (compartment.reach(scope.resourceType)) {
    case 'compartment':
      return scope.permissions;
    case 'by-reference':
      return new Set([...scope.permissions].filter((p) => READ_AND_SEARCH.has(p)));
    case 'none':
      return new Set();
  }
}
