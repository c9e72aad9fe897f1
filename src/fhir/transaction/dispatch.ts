import type { FhirDeps, FhirRequest, FhirResponse, FhirUnitDeps } from '../interaction.ts';
import type { ResolvedRoute } from '../resolve-route.ts';

/**
 * The router, handed to batch/transaction processing so that entries run through the same
 * interactions as HTTP requests (passed in, not imported: the router imports the interactions).
 */
export interface Dispatcher {
  handle(request: FhirRequest, deps: FhirUnitDeps): Promise<FhirResponse>;
  resolveRoute(method: FhirRequest['method'], path: string, deps: Pick<FhirDeps, 'definitions'>): ResolvedRoute;
}
