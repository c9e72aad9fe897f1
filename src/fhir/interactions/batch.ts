import type { Interaction } from '../interaction.ts';
import { notSupported } from '../outcome.ts';

/** POST [base] with a batch or transaction Bundle. */
export const batch: Interaction = async () => {
  throw notSupported('batch and transaction Bundles are not supported yet', 501);
};
