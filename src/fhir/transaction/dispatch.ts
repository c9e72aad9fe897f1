import type { FhirRequest, FhirResponse, FhirUnitDeps } from '../interaction.ts';

/**
 * Runs one Bundle entry's request through the same interactions as an HTTP request. The router hands it
 * to the batch interaction when it builds it: the router runs batches, batches run entries through the router.
 */
export type EntryDispatcher = (request: FhirRequest, deps: FhirUnitDeps) => Promise<FhirResponse>;
