import type { Interaction } from '../interaction.ts';
import { FhirError, issue } from '../outcome.ts';

/** [base]/$op, [type]/$op, [type]/[id]/$op — dispatched by name. */
export const operation: Interaction = async (_request, route) => {
  throw new FhirError(404, issue('not-supported', `Operation ${route.operation} is not supported`));
};
