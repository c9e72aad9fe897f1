import { guardInteraction } from '../authorization/guard-interaction.ts';
import type { FhirRequest, FhirRoute, Interaction } from '../interaction.ts';
import type { FhirOperation } from './operation.ts';
import { unknownOperation } from './unknown-operation.ts';

/** The operation a route names, for a method: the handler to run, behind its access guard. */
export type OperationLookup = (route: FhirRoute, method: FhirRequest['method']) => Interaction;

/**
 * Looks operations up by name, level, resource type and method. Anything else, a known name invoked
 * where or how it is not defined included, is the unknown operation, decided as the `operation`
 * interaction before it answers.
 */
export function operationLookup(operations: readonly FhirOperation[]): OperationLookup {
  const byName = new Map<string, { op: FhirOperation; run: Interaction }>(operations.map((op) => [op.name, { op, run: guarded(op) }]));
  const unknown = guardInteraction('operation', unknownOperation);
  return (route, method) => {
    const found = route.operation !== undefined ? byName.get(route.operation) : undefined;
    return found && invokes(found.op, route, method) ? found.run : unknown;
  };
}

function invokes(op: FhirOperation, route: FhirRoute, method: FhirRequest['method']): boolean {
  const m = method === 'HEAD' ? 'GET' : method;
  if (!op.methods.some((allowed) => allowed === m)) return false;
  if (route.resourceType === undefined) return op.levels.system;
  return (route.id === undefined ? op.levels.type : op.levels.instance).includes(route.resourceType);
}

/** An operation behind the caller's access decision, as its `access` says (OperationAccess). */
function guarded(op: FhirOperation): Interaction {
  return op.access === 'operation' ? guardInteraction('operation', op.run) : op.run;
}
