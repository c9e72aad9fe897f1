import type { Bundle } from '../bundle.ts';
import type { FhirDeps } from '../interaction.ts';
import { FhirError } from '../outcome.ts';
import type { BatchEntry } from './bundle-entries.ts';
import type { Dispatcher } from './dispatch.ts';
import { failedEntry, responseEntry } from './entry-response.ts';

/**
 * A batch (FHIR R4 http.html#transaction): entries are independent, each committed in its own
 * unit of work; a failing entry reports its status and OperationOutcome, the others stand.
 */
export async function runBatch(entries: BatchEntry[], deps: FhirDeps, dispatcher: Dispatcher): Promise<Bundle> {
  const out: Bundle['entry'] = [];
  for (const entry of entries) {
    try {
      const response = await dispatcher.handle(entry.request, deps);
      out.push(responseEntry(response, deps.settings, entry.request.method === 'HEAD'));
    } catch (err) {
      if (!(err instanceof FhirError)) throw err;
      out.push(failedEntry(err.status, err.outcome));
    }
  }
  return { resourceType: 'Bundle', type: 'batch-response', entry: out };
}
