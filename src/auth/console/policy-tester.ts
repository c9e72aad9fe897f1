import type { FhirAccessRequest } from '../../fhir/access/access-port.ts';
import type { PatientCompartment } from '../../fhir/access/patient-compartment.ts';
import { decideInteraction } from '../../fhir/authorization/guard-interaction.ts';
import { FhirError } from '../../fhir/outcome.ts';
import { resolveRoute } from '../../fhir/resolve-route.ts';
import { ENDPOINTS } from '../../endpoints.ts';
import { gatedByPolicies } from '../access/access-factory.ts';
import type { AccessGrant } from '../access/access-grant.ts';
import type { DecisionStep, DecisionTrace } from '../access/decision-trace.ts';
import { checkRelatedPatient, confinePatientUser, type RelatedPatientLookup } from '../access/patient-user.ts';
import { decideWithPolicies, fhirPolicyContext, type PolicySubject } from '../access/policy-gate.ts';
import { ADMIN_ROLE, adminPolicyContext, DEVELOPER_ROLE, mayCall, type AdminAccessDeps, type AdminCaller } from '../admin/admin-access.ts';
import { ADMIN_KINDS, type AdminKind } from '../admin/registry-admin.ts';
import type { ClientRepository } from '../clients/client-repository.ts';
import type { PolicyRequestContext } from '../policies/request-context.ts';
import { parseScopes, scopeSyntaxProblem } from '../scopes/parse-scopes.ts';
import type { UserRepository } from '../users/user.ts';

/** What the console's policy tester decides with: this console's tenant's registry, and the FHIR API's own rules. */
export interface PolicyTesterDeps {
  /** The Clients and Users tokens of this tenant may name (its own and the global ones). */
  clients: Pick<ClientRepository, 'get'>;
  users: Pick<UserRepository, 'get'>;
  /** The FHIR API's loader of a grant's Client, User and policies (createPolicySubjectLoader over the same registry). */
  policySubject: (grant: AccessGrant) => Promise<PolicySubject | undefined>;
  compartment: PatientCompartment;
  resourceTypes: ReadonlySet<string>;
  /** A RelatedPerson user's patient, as the FHIR API checks it; absent: such users reach no patient data. */
  relatedPatient?: RelatedPatientLookup;
  /** The admin API's access rules at this console's URLs. */
  adminAccess: AdminAccessDeps;
}

export interface PolicyTestInput {
  clientId: string;
  /** Empty: no user (a backend service's token). */
  userId: string;
  /** The patient in context (a Patient id); empty: none. */
  patient: string;
  /** Space-separated scopes; empty: the Client's registered scopes. */
  scope: string;
  method: string;
  /** Relative to the FHIR base (`/Observation?patient=123`), or an admin API path (`/Client/abc`). */
  url: string;
}

export type PolicyTestField = 'client' | 'user' | 'patient' | 'scope' | 'method' | 'url';

export type PolicyTestResult =
  | { ok: false; problems: Partial<Record<PolicyTestField, string>> }
  | {
      ok: true;
      api: 'FHIR' | 'admin';
      /** The interaction the request names (`search-type`, `Client.update`). */
      interaction: string;
      allowed: boolean;
      reason: string;
      /** The decision's chain, in order. */
      steps: readonly DecisionStep[];
      /** The scopes tested. */
      scopes: string;
      /** What AccessPolicies saw of the request (undefined when none was consulted). */
      context?: PolicyRequestContext;
    };

const METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
type Method = (typeof METHODS)[number];

/**
 * Answers whether a token of this Client (acting for this User, with these scopes) would be let through for a request,
 * and why, by the functions the FHIR API and the admin API decide with: the grant is built as the FHIR API's
 * authenticator builds it from a token, the interaction named as the FHIR router names it, and decided by
 * `decideInteraction` → `decideWithPolicies` (the FHIR plugin's path), with a trace.
 */
export async function testPolicies(input: PolicyTestInput, deps: PolicyTesterDeps): Promise<PolicyTestResult> {
  const problems: Partial<Record<PolicyTestField, string>> = {};
  const clientId = input.clientId.trim();
  const userId = input.userId.trim();
  const patient = input.patient.trim();
  const client = clientId === '' ? undefined : await deps.clients.get(clientId);
  if (clientId === '') problems.client = 'Enter a Client id';
  else if (!client) problems.client = `There is no Client ${clientId} here`;
  else if (client.active === false) problems.client = `Client ${clientId} is inactive: its tokens are refused`;
  const user = userId === '' ? undefined : await deps.users.get(userId);
  if (userId !== '' && !user) problems.user = `There is no User ${userId} here`;
  else if (user?.active === false) problems.user = `User ${userId} is inactive: tokens for them are refused`;
  if (patient !== '' && !/^[A-Za-z0-9\-.]{1,64}$/.test(patient)) problems.patient = 'A Patient id: 1-64 letters, digits, "-" or "."';
  const scope = (input.scope.trim() === '' ? (client?.scope ?? []).join(' ') : input.scope).trim().replace(/\s+/g, ' ');
  const scopeProblem = scopeSyntaxProblem(scope);
  if (scopeProblem) problems.scope = scopeProblem;
  else if (client && scope === '') problems.scope = `Client ${clientId} has no registered scopes: enter the scopes to test with`;
  const method = METHODS.find((m) => m === input.method);
  if (!method) problems.method = `Choose one of ${METHODS.join(', ')}`;
  const url = requestUrl(input.url);
  if (typeof url === 'string') problems.url = url;
  if (Object.keys(problems).length > 0 || !client || !method || typeof url === 'string') return { ok: false, problems };

  const kind = adminKindOf(url.pathname);
  if (kind) return testAdminRequest({ method, url, kind, clientId, user, scope }, deps);

  let route: ReturnType<typeof resolveRoute>;
  try {
    route = resolveRoute(method, fhirPath(url.pathname), { definitions: { resourceTypes: deps.resourceTypes } });
  } catch (err) {
    if (err instanceof FhirError) return { ok: false, problems: { url: `The FHIR API answers ${err.status}: ${err.message}` } };
    throw err;
  }

  // As the FHIR API's authenticator builds a token's grant (fhir-authenticator.ts).
  const claimed: AccessGrant = {
    scopes: parseScopes(scope),
    clientId,
    ...(user ? { userId: user.id } : {}),
    ...(patient !== '' ? { patient } : {}),
    ...(user?.fhirUser !== undefined ? { fhirUser: user.fhirUser } : {}),
  };
  const grant = confinePatientUser(await checkRelatedPatient(claimed, deps.relatedPatient));
  // As the access factory: policies are loaded only for grants they may gate.
  const subject = gatedByPolicies(grant) ? await deps.policySubject(grant) : undefined;
  const trace: DecisionTrace = [];
  // A token carries only scopes its Client is registered for: said first, so a test with other scopes is not mistaken for one.
  const unregistered = scope.split(' ').filter((s) => s !== '' && !(client.scope ?? []).includes(s));
  if (unregistered.length > 0) {
    trace.push({ kind: 'scope', verdict: 'note', text: `${unregistered.join(', ')} ${unregistered.length === 1 ? 'is' : 'are'} not among Client/${clientId}'s registered scopes: no token of it carries ${unregistered.length === 1 ? 'it' : 'them'}` });
  }
  const requests: FhirAccessRequest[] = [];
  const access = {
    decide: (request: FhirAccessRequest) => {
      requests.push(request);
      return decideWithPolicies(grant, request, deps.compartment, subject, trace);
    },
  };
  const decision = decideInteraction(route.interaction, route.route, { access });
  const first = requests[0];
  return {
    ok: true,
    api: 'FHIR',
    interaction: route.interaction,
    allowed: decision.allowed,
    reason: decision.reason,
    steps: trace,
    scopes: scope,
    ...(subject && first ? { context: fhirPolicyContext(first, grant, subject) } : {}),
  };
}

/** The admin API's decision: its caller is the User (HTTP Basic as a developer) when one is given, else the Client. */
async function testAdminRequest(
  request: { method: Method; url: URL; kind: AdminKind; clientId: string; user: Awaited<ReturnType<UserRepository['get']>>; scope: string },
  deps: PolicyTesterDeps,
): Promise<PolicyTestResult> {
  const { method, url, kind, user } = request;
  const hasId = url.pathname.split('/').filter(Boolean).length > 1;
  const interaction = hasId ? ({ GET: 'read', PUT: 'update', DELETE: 'delete', POST: undefined, PATCH: undefined } as const)[method] : ({ GET: 'list', POST: 'create', PUT: undefined, PATCH: undefined, DELETE: undefined } as const)[method];
  if (!interaction) return { ok: false, problems: { url: `The admin API does not take ${method} on ${url.pathname}` } };
  const trace: DecisionTrace = [];
  const operation = `${kind}.${interaction}`;
  const refused = (text: string): PolicyTestResult => {
    trace.push({ kind: 'user', verdict: 'missing', text });
    return { ok: true, api: 'admin', interaction: operation, allowed: false, reason: text, steps: trace, scopes: request.scope };
  };
  let caller: AdminCaller;
  if (user) {
    const role = deps.adminAccess.tenantAdministrators ? ADMIN_ROLE : DEVELOPER_ROLE;
    if (!user.roles?.includes(role)) return refused(`User/${user.id} lacks the role ${role}: the admin API does not let them sign in`);
    caller = { kind: 'user', user };
  } else {
    const client = deps.adminAccess.tenantAdministrators ? undefined : await deps.adminAccess.clients.get(request.clientId);
    if (!client) return refused(`Client/${request.clientId} cannot sign in to this admin API (choose a User)`);
    caller = { kind: 'client', client };
  }
  const context = adminPolicyContext(method, url, operation);
  const allowed = await mayCall(caller, context, deps.adminAccess, trace);
  return {
    ok: true,
    api: 'admin',
    interaction: operation,
    allowed,
    reason: allowed ? `allowed ${operation}` : `nothing allows ${operation} to this caller`,
    steps: trace,
    scopes: request.scope,
    context: { ...context, ...(user ? { user: { id: user.id } } : { client: { id: request.clientId } }) },
  };
}

/** The request's URL (path and query), or what is wrong with it. */
function requestUrl(text: string): URL | string {
  const trimmed = text.trim();
  if (trimmed === '') return 'Enter the request URL, e.g. /Observation?patient=123';
  if (trimmed.length > 2048) return 'The URL is longer than 2048 characters';
  try {
    // Absolute URLs keep their own path; relative ones are read below the FHIR base.
    return new URL(trimmed.startsWith('/') || !/^[a-z][a-z0-9+.-]*:/i.test(trimmed) ? `http://portico.invalid/${trimmed.replace(/^\/+/, '')}` : trimmed);
  } catch {
    return 'This is not a URL path';
  }
}

/** The path below the FHIR base: `/fhir/Observation` and `/Observation` name the same interaction. */
function fhirPath(pathname: string): string {
  const base = ENDPOINTS.fhir.path;
  // A tenant's absolute FHIR URL: /t/{tenant}/fhir/…
  const tenant = /^\/t\/[^/]+(?=\/)/.exec(pathname);
  if (tenant && pathname.slice(tenant[0].length).startsWith(base)) return fhirPath(pathname.slice(tenant[0].length));
  return pathname === base || pathname.startsWith(`${base}/`) ? pathname.slice(base.length) : pathname;
}

function adminKindOf(pathname: string): AdminKind | undefined {
  const [first, ...rest] = pathname.split('/').filter(Boolean);
  return rest.length <= 1 ? ADMIN_KINDS.find((k) => k === first) : undefined;
}
