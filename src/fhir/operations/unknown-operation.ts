import type { Interaction } from '../interaction.ts';
import { FhirError, issue } from '../outcome.ts';

/** [base]/$op, [type]/$op, [type]/[id]/$op for an operation the table has not there, or not for that method. */
export const unknownOperation: Interaction = async (_request, route) => {
  throw new FhirError(404, issue('not-supported', `Operation ${route.operation} is not supported`));
};
