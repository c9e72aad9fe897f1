import type { CompartmentConstraint, FhirAccessInteraction, FhirAccessRequest } from '../../fhir/access/access-port.ts';
import { CROSS_PATIENT_TYPES, type PatientCompartment } from '../../fhir/access/patient-compartment.ts';
import { formatScope } from '../scopes/format-scope.ts';
import { isResourceScope, type Permission, type ResourceScope } from '../scopes/scope.ts';
import type { AccessGrant } from './access-grant.ts';
import type { DecisionTrace } from './decision-trace.ts';
import type { ScopeClause, ScopeConstraints, ScopeDecision } from './scope-decision.ts';

/** SMART 2.x scopes: read/vread/history need `r`, search `s`; v1 `read` is `rs`. */
const PERMISSION: Readonly<Record<Exclude<FhirAccessInteraction, 'capabilities' | 'batch'>, Permission>> = {
  read: 'r',
  vread: 'r',
  'history-instance': 'r',
  'history-type': 'r',
  'history-system': 'r',
  operation: 'r',
  'search-type': 's',
  'search-system': 's',
  create: 'c',
  update: 'u',
  delete: 'd',
};

const VERB: Readonly<Record<Permission, string>> = { c: 'create', r: 'read', u: 'update', d: 'delete', s: 'search' };

const NO_CONSTRAINTS: ScopeConstraints = { kind: 'none' };

/**
 * Whether a token's scopes allow a FHIR interaction, and what the storage layer must then enforce.
 * Pure: no I/O; the same inputs give the same decision. A type the grant does not reach is denied
 * (the HTTP layer answers 403, never an empty 200). Every decision says why, in words; with a `trace`, it also
 * writes its chain there (which scope matched or was missing, which constraint applies).
 */
export function decideFhirAccess(grant: AccessGrant, request: FhirAccessRequest, compartment: PatientCompartment, trace?: DecisionTrace): ScopeDecision {
  if (request.interaction === 'capabilities') {
    return allow('the CapabilityStatement needs no scope', [], NO_CONSTRAINTS, trace);
  }
  if (request.interaction === 'batch') {
    return allow('a batch or transaction needs no scope itself; each entry is decided on its own', [], NO_CONSTRAINTS, trace);
  }
  const permission = PERMISSION[request.interaction];
  const type = request.resourceType;
  if (type === undefined) return decideAcrossTypes(grant, request.interaction, permission, trace);

  const scopes = grant.scopes.filter(isResourceScope);
  const onType = scopes.filter((s) => s.resourceType === '*' || s.resourceType === type);
  if (onType.length === 0) {
    return deny(`no granted scope covers ${type}${grantedList(scopes)}`, trace);
  }
  const withPermission = onType.filter((s) => s.permissions.has(permission));
  if (withPermission.length === 0) {
    return deny(
      `${onType.map(formatScope).join(', ')} ${onType.length === 1 ? 'does' : 'do'} not allow ${VERB[permission]} ` +
        `of ${type} (needs '${permission}')`,
      trace,
    );
  }

  const clauses: ScopeClause[] = [];
  const problems: string[] = [];
  for (const scope of withPermission) {
    const clause = clauseFor(scope, type, permission, grant, compartment);
    if (typeof clause === 'string') problems.push(clause);
    else clauses.push(clause);
  }
  if (clauses.length === 0) return deny(problems.join('; '), trace);
  // Scopes that carry the permission but do not reach the type (no patient in context, outside the compartment).
  for (const problem of problems) trace?.push({ kind: 'scope', verdict: 'missing', text: problem });

  const action = `${VERB[permission]} of ${type}${request.id === undefined ? '' : `/${request.id}`}`;
  const unrestricted = clauses.find((c) => !c.compartment && !c.query);
  if (unrestricted) {
    const why = isOutsideCompartmentRead(unrestricted, withPermission)
      ? ` (${type} is outside the patient compartment; patient apps read it by reference)`
      : '';
    return allow(`${unrestricted.scope} allows ${action}${why}`, [unrestricted.scope], NO_CONSTRAINTS, trace);
  }
  const kept = liftFilters(clauses);
  if (trace) for (const clause of kept) traceClause(clause, action, trace);
  return {
    allowed: true,
    reason: `allowed ${action} only ${kept.map(describeClause).join('; or ')}`,
    scopes: kept.map((c) => c.scope),
    constraints: { kind: 'any-of', clauses: kept },
  };
}

/** A constrained clause in the chain: its scope, then the compartment and the filter (a category, say) it keeps to. */
function traceClause(clause: ScopeClause, action: string, trace: DecisionTrace): void {
  trace.push({ kind: 'scope', verdict: 'met', text: `${clause.scope} allows ${action}, within the constraints below` });
  const c = clause.compartment;
  if (c?.kind === 'patient-id') trace.push({ kind: 'constraint', verdict: 'note', text: `compartment: only Patient/${c.patientId} itself (${clause.scope})` });
  if (c?.kind === 'patient-link') {
    trace.push({ kind: 'constraint', verdict: 'note', text: `compartment: only what is in Patient/${c.patientId}'s compartment, through ${c.params.join(', ')} (${clause.scope})` });
  }
  if (clause.query) {
    trace.push({ kind: 'constraint', verdict: 'note', text: `filter: only where ${clause.query.map(([n, v]) => `${n}=${v}`).join(' and ')} (${clause.scope})` });
  }
}

/**
 * How one scope reaches `type`, or why it does not. `patient/` scopes confine to the compartment of
 * the token's patient (SMART 2.x §"Patient-specific scopes"); user/ and system/ leave it to
 * AccessPolicies.
 */
function clauseFor(
  scope: ResourceScope,
  type: string,
  permission: Permission,
  grant: AccessGrant,
  compartment: PatientCompartment,
): ScopeClause | string {
  const text = formatScope(scope);
  const query = scope.query && scope.query.length > 0 ? { query: scope.query } : {};
  if (scope.context !== 'patient') return { scope: text, ...query };

  const patientId = grant.patient;
  if (patientId === undefined) return `${text} needs a patient in context, and ${grant.noPatientBecause ?? 'the token has none'}`;

  let constraint: CompartmentConstraint | undefined;
  const reach = compartment.reach(type);
  if (reach === 'none') {
    return CROSS_PATIENT_TYPES.has(type)
      ? `a ${type} lists other patients too, so ${text} does not reach it`
      : `${type} is not in the patient compartment, so ${text} does not reach it`;
  }
  if (type === 'Patient') {
    // The compartment's own Patient is the one whose id is the patient in context. Another id is not
    // refused here: the constraint leaves it unseen (a read answers 404, as for an unknown id: a 403
    // would say it exists) and unwritable (403).
    constraint = { kind: 'patient-id', patientId };
  } else if (reach === 'compartment') {
    constraint = { kind: 'patient-link', patientId, resourceType: type, params: compartment.params(type) };
  } else if (permission !== 'r' && permission !== 's') {
    return `${type} is outside the patient compartment: ${text} may read it by reference, not ${VERB[permission]} it`;
  }
  return { scope: text, ...(constraint ? { compartment: constraint } : {}), ...query };
}

/**
 * Within one compartment (or none), a scope without a query lifts the granular filters of the others:
 * `patient/Observation.rs` next to `patient/Observation.rs?category=...laboratory` reaches every
 * Observation of the patient.
 */
function liftFilters(clauses: readonly ScopeClause[]): ScopeClause[] {
  const byCompartment = new Map<string, ScopeClause[]>();
  for (const clause of clauses) {
    const key = JSON.stringify(clause.compartment ?? null);
    byCompartment.set(key, [...(byCompartment.get(key) ?? []), clause]);
  }
  const kept: ScopeClause[] = [];
  for (const group of byCompartment.values()) {
    const whole = group.find((c) => !c.query);
    if (whole) {
      kept.push(whole);
      continue;
    }
    const seen = new Set<string>();
    for (const clause of group) {
      const key = JSON.stringify(clause.query);
      if (!seen.has(key)) kept.push(clause);
      seen.add(key);
    }
  }
  return kept;
}

/** System-wide search and history (and type-less operations) span every type. */
function decideAcrossTypes(grant: AccessGrant, interaction: FhirAccessInteraction, permission: Permission, trace: DecisionTrace | undefined): ScopeDecision {
  if (interaction !== 'search-system' && interaction !== 'history-system' && interaction !== 'operation') {
    return deny(`a ${interaction} needs a resource type`, trace);
  }
  const wildcards = grant.scopes
    .filter(isResourceScope)
    .filter((s) => s.resourceType === '*' && s.permissions.has(permission) && !s.query);
  const broad = wildcards.find((s) => s.context !== 'patient');
  if (broad) {
    const text = formatScope(broad);
    return allow(`${text} allows ${interaction} across all types`, [text], NO_CONSTRAINTS, trace);
  }
  if (wildcards.length > 0) {
    return deny(`${interaction} across all types is not available under patient/ scopes; search or read each type instead`, trace);
  }
  return deny(`${interaction} across all types needs a user/ or system/ scope on * with '${permission}'${grantedList(grant.scopes.filter(isResourceScope))}`, trace);
}

function isOutsideCompartmentRead(clause: ScopeClause, scopes: readonly ResourceScope[]): boolean {
  return scopes.some((s) => s.context === 'patient' && formatScope(s) === clause.scope);
}

function describeClause(clause: ScopeClause): string {
  const parts: string[] = [];
  const c = clause.compartment;
  if (c?.kind === 'patient-id') parts.push(`as Patient/${c.patientId} itself`);
  if (c?.kind === 'patient-link') parts.push(`in Patient/${c.patientId}'s compartment (${c.params.join(', ')})`);
  if (clause.query) parts.push(`where ${clause.query.map(([n, v]) => `${n}=${v}`).join(' and ')}`);
  return `${parts.join(' ')} (${clause.scope})`;
}

function grantedList(scopes: readonly ResourceScope[]): string {
  return scopes.length === 0 ? ' (no resource scopes granted)' : ` (granted: ${scopes.map(formatScope).join(', ')})`;
}

/** An unconstrained allow; in the chain, the scope that matched (or that none was needed). */
function allow(reason: string, scopes: readonly string[], constraints: ScopeConstraints, trace: DecisionTrace | undefined): ScopeDecision {
  trace?.push({ kind: 'scope', verdict: scopes.length > 0 ? 'met' : 'note', text: reason });
  return { allowed: true, reason, scopes, constraints };
}

/** A refusal by the scopes; in the chain, the scope that is missing. */
function deny(reason: string, trace: DecisionTrace | undefined): ScopeDecision {
  trace?.push({ kind: 'scope', verdict: 'missing', text: reason });
  return { allowed: false, reason };
}
