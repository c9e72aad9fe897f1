import type { AccessDecision, FhirAccessRequest } from '../../auth/access/access-grant.ts';
import type { Resource } from '../resource.ts';
import type { SearchIndexRows } from '../search/index-rows.ts';

/**
 * What the FHIR layer needs to enforce a caller's access: a decision per request (scopes, pure),
 * and the indexer to test a resource against a decision's constraints in memory. Absent from the
 * deps = full access (the root client, trusted internal callers).
 */
export interface FhirAccess {
  decide(request: FhirAccessRequest): AccessDecision;
  /** Search index of one resource (the same FHIRPath extraction the store runs at write time). */
  index(resource: Resource): SearchIndexRows;
  /** Sandbox: `?_explain=true` answers with the decision instead of running the request. */
  explain: boolean;
}
