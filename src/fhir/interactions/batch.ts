import type { Interaction } from '../interaction.ts';
import { parseBatchBundle } from '../transaction/bundle-entries.ts';
import type { EntryDispatcher } from '../transaction/dispatch.ts';
import { runBatch } from '../transaction/run-batch.ts';
import { runTransaction } from '../transaction/run-transaction.ts';

/** POST [base] with a batch or transaction Bundle (FHIR R4 http.html#transaction); each entry runs through `dispatch`. */
export function batchInteraction(dispatch: EntryDispatcher): Interaction {
  return async (request, _route, deps) => {
    const { kind, entries } = parseBatchBundle(request.body, deps.settings, request.headers.prefer);
    // A unit of work's own deps are not carried in: each entry (batch) or the whole (transaction) gets its own.
    const { writer: _outer, ...base } = deps;
    const bundle = kind === 'transaction' ? await runTransaction(entries, base, dispatch) : await runBatch(entries, base, dispatch);
    return { status: 200, body: bundle };
  };
}
