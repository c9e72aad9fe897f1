import type { FhirRequest, FhirResponse, FhirUnitDeps } from './interaction.ts';
import { createInteractions } from './interactions/index.ts';
import { resolveRoute } from './resolve-route.ts';

/** Runs one FHIR request: resolves its method and path, then runs the interaction they name. */
export type FhirRouter = (request: FhirRequest, deps: FhirUnitDeps) => Promise<FhirResponse>;

/** Builds the router; the batch interaction gets it as the dispatcher of its entries, which come back through it one by one. */
export function createFhirRouter(): FhirRouter {
  const interactions = createInteractions((request, deps) => router(request, deps));
  const router: FhirRouter = (request, deps) => {
    const { interaction, route } = resolveRoute(request.method, request.path, deps);
    return interactions[interaction](request, route, deps);
  };
  return router;
}
