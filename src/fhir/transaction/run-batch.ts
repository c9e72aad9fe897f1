import type { Bundle } from '../bundle.ts';
import type { FhirDeps } from '../interaction.ts';
import { FhirError } from '../outcome.ts';
import { fhirErrorOf, StorageFault } from '../storage-fault.ts';
import type { BatchEntry } from './bundle-entries.ts';
import type { EntryDispatcher } from './dispatch.ts';
import { failedEntry, responseEntry } from './entry-response.ts';

/**
 * A batch (FHIR R4 http.html#transaction): entries are independent, each committed in its own
 * unit of work; a failing entry reports its status and OperationOutcome, the others stand. So does an
 * entry the database could not serve (busy, unavailable, cut short): the entries before it are
 * committed, and the response must say which.
 */
export async function runBatch(entries: BatchEntry[], deps: FhirDeps, dispatch: EntryDispatcher): Promise<Bundle> {
  const out: Bundle['entry'] = [];
  for (const entry of entries) {
    try {
      const response = await dispatch(entry.request, deps);
      out.push(responseEntry(response, deps.settings, entry.request.method === 'HEAD'));
    } catch (err) {
      const failure = err instanceof StorageFault ? fhirErrorOf(err) : err;
      if (!(failure instanceof FhirError)) throw err;
      out.push(failedEntry(failure.status, failure.outcome));
    }
  }
  return { resourceType: 'Bundle', type: 'batch-response', entry: out };
}
