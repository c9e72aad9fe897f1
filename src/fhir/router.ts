import type { FhirRequest, FhirResponse, FhirUnitDeps, Interaction } from './interaction.ts';
import { interactions } from './interactions/index.ts';
import { resolveRoute } from './resolve-route.ts';

/** Resolves and runs one FHIR request. */
export function handleFhirRequest(request: FhirRequest, deps: FhirUnitDeps): Promise<FhirResponse> {
  const { interaction, route } = resolveRoute(request.method, request.path, deps);
  const run: Interaction = interactions[interaction];
  return run(request, route, deps);
}
