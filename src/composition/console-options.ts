import type { Config } from '../config.ts';
import { createPolicySubjectLoader } from '../auth/access/policy-subject.ts';
import type { PolicyTesterDeps } from '../auth/console/policy-tester.ts';
import { dashboardFacts } from '../auth/console/dashboard.ts';
import { globalPolicies } from '../auth/tenants/tenant-scope.ts';
import type { ConsoleOptions } from '../http/ui/console/console-context.ts';
import type { AuthWing, TenantPages } from './auth-wing.ts';
import type { Runtime } from './runtime.ts';

/**
 * The admin console of the root URLs (`tenant` undefined: the whole deployment, through the admin API's unscoped
 * services) or of one tenant (its admin API's services, scoped to it).
 */
export function consoleOptions(config: Config, auth: AuthWing, tenant: string | undefined, { now }: Runtime): ConsoleOptions {
  const registry = tenant === undefined ? auth.admin : auth.tenantAdmin(tenant);
  return {
    tenant,
    registry,
    dashboard: {
      facts: () => dashboardFacts({ registry, keys: () => auth.signingKeys.list(), everyTenant: tenant === undefined }),
      now,
    },
    policies: {
      tester: policyTester(auth, tenant),
      ...(tenant !== undefined ? { globalPolicies: () => globalPolicies(auth.auth.policies).all() } : {}),
      maxDepth: config.fhir.maxJsonDepth,
    },
  };
}

/** The tester sees what the FHIR API and the admin API of these URLs see: the same registry, policies and rules. */
function policyTester(auth: AuthWing, tenant: string | undefined): PolicyTesterDeps {
  const here = tenant === undefined ? auth.here : auth.at(tenant);
  // A tenant's pages are built once, when the tester first meets a RelatedPerson user there.
  let pages: TenantPages | undefined;
  return {
    clients: here.clients,
    users: here.users,
    policySubject: createPolicySubjectLoader(here),
    compartment: auth.authorize.compartment,
    resourceTypes: auth.authorize.resourceTypes ?? new Set(),
    relatedPatient: tenant === undefined ? auth.records.relatedPatient : (id) => (pages ??= auth.pagesAt(tenant)).records.relatedPatient(id),
    // As the tenant wing gives its admin API: its Users with the role admin, no policies.
    adminAccess: tenant === undefined ? auth.adminAccess : { ...auth.adminAccess, users: here.users, tenantAdministrators: true },
  };
}
