import type { Interaction } from '../interaction.ts';
import { resolveRoute } from '../resolve-route.ts';
import { parseBatchBundle } from '../transaction/bundle-entries.ts';
import type { Dispatcher } from '../transaction/dispatch.ts';
import { runBatch } from '../transaction/run-batch.ts';
import { runTransaction } from '../transaction/run-transaction.ts';

/** POST [base] with a batch or transaction Bundle (FHIR R4 http.html#transaction). */
export const batch: Interaction = async (request, _route, deps) => {
  const { kind, entries } = parseBatchBundle(request.body, deps.settings, request.headers.prefer);
  // Imported on use: the router imports every interaction, this one included.
  const { handleFhirRequest } = await import('../router.ts');
  const dispatcher: Dispatcher = { handle: handleFhirRequest, resolveRoute };
  // A unit of work's own deps are not carried in: each entry (batch) or the whole (transaction) gets its own.
  const { writer: _outer, ...base } = deps;
  const bundle = kind === 'transaction' ? await runTransaction(entries, base, dispatcher) : await runBatch(entries, base, dispatcher);
  return { status: 200, body: bundle };
};
