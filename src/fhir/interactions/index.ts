import { guardInteraction } from '../authorization/guard-interaction.ts';
import type { Interaction } from '../interaction.ts';
import type { InteractionName } from '../resolve-route.ts';
import { batch } from './batch.ts';
import { capabilities } from './capabilities.ts';
import { create } from './create.ts';
import { conditionalDelete, remove } from './delete.ts';
import { history } from './history.ts';
import { operation } from './operation.ts';
import { read } from './read.ts';
import { search } from './search.ts';
import { conditionalUpdate, update } from './update.ts';
import { vread } from './vread.ts';

/** Every FHIR REST interaction, by its name in FHIR R4 http.html. The router picks one per request. */
const unguarded = {
  read,
  vread,
  create,
  update,
  'conditional-update': conditionalUpdate,
  delete: remove,
  'conditional-delete': conditionalDelete,
  'search-type': search,
  'search-system': search,
  'history-instance': history,
  'history-type': history,
  'history-system': history,
  batch,
  capabilities,
  operation,
} satisfies Record<InteractionName, Interaction>;

/** Every interaction behind the caller's access decision (src/fhir/authorization). */
export const interactions = Object.fromEntries(
  Object.entries(unguarded).map(([name, run]) => [name, guardInteraction(name, run)]),
) as Record<InteractionName, Interaction>;
