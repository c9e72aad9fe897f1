import { guardInteraction } from '../authorization/guard-interaction.ts';
import type { Interaction } from '../interaction.ts';
import type { InteractionName } from '../resolve-route.ts';
import type { EntryDispatcher } from '../transaction/dispatch.ts';
import { batchInteraction } from './batch.ts';
import type { FhirOperation } from '../operations/operation.ts';
import { capabilitiesInteraction } from './capabilities.ts';
import { create } from './create.ts';
import { conditionalDelete, remove } from './delete.ts';
import { history } from './history.ts';
import { conditionalPatch, patch } from './patch.ts';
import { read } from './read.ts';
import { search } from './search.ts';
import { conditionalUpdate, update } from './update.ts';
import { vread } from './vread.ts';

/** The interactions of the table; `operation` is dispatched by name from the operation table (src/fhir/operations). */
export type TableInteraction = Exclude<InteractionName, 'operation'>;

/**
 * Every FHIR REST interaction, by its name in FHIR R4 http.html, behind the caller's access decision
 * (src/fhir/authorization). The router picks one per request; batch runs its entries through `dispatchEntry`.
 * The CapabilityStatement lists this table's interactions and the router's `operations`.
 */
export function createInteractions(dispatchEntry: EntryDispatcher, operations: readonly FhirOperation[] = []): Record<TableInteraction, Interaction> {
  const unguarded: Omit<Record<TableInteraction, Interaction>, 'capabilities'> = {
    read,
    vread,
    create,
    update,
    'conditional-update': conditionalUpdate,
    delete: remove,
    'conditional-delete': conditionalDelete,
    patch,
    'conditional-patch': conditionalPatch,
    'search-type': search,
    'search-system': search,
    'history-instance': history,
    'history-type': history,
    'history-system': history,
    batch: batchInteraction(dispatchEntry),
  };
  const capabilities = capabilitiesInteraction({ interactions: Object.keys(unguarded), operations });
  return Object.fromEntries(
    Object.entries({ ...unguarded, capabilities }).map(([name, run]) => [name, guardInteraction(name, run)]),
  ) as Record<TableInteraction, Interaction>;
}
