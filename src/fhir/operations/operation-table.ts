import { guardInteraction } from '../authorization/guard-interaction.ts';
import type { FhirRequest, FhirRoute, Interaction } from '../interaction.ts';
import { FhirError, issue } from '../outcome.ts';
import type { FhirOperation } from './operation.ts';
import { unknownOperation } from './unknown-operation.ts';

/** The operation a route names, for a method: the handler to run, behind its access guard. */
export type OperationLookup = (route: FhirRoute, method: FhirRequest['method']) => Interaction;

/**
 * Looks operations up by name, level, resource type and method. A known operation invoked by another
 * method is 405; anything else, a known name invoked where it is not defined included, is the unknown
 * operation. Both are decided as the `operation` interaction before they answer.
 */
export function operationLookup(operations: readonly FhirOperation[]): OperationLookup {
  const byName = new Map<string, { op: FhirOperation; run: Interaction; otherMethod: Interaction }>(operations.map((op) => [op.name, { op, run: guarded(op), otherMethod: guardInteraction('operation', methodNotAllowed(op)) }]));
  const unknown = guardInteraction('operation', unknownOperation);
  return (route, method) => {
    const found = route.operation !== undefined ? byName.get(route.operation) : undefined;
    if (!found || !definedAt(found.op, route)) return unknown;
    return allowedMethods(found.op).includes(method) ? found.run : found.otherMethod;
  };
}

/** Whether the operation is defined at the route's level and for its resource type. */
function definedAt(op: FhirOperation, route: FhirRoute): boolean {
  if (route.resourceType === undefined) return op.levels.system;
  return (route.id === undefined ? op.levels.type : op.levels.instance).includes(route.resourceType);
}

/** The methods that invoke it: its own, and HEAD as GET when it is safe. */
function allowedMethods(op: FhirOperation): readonly FhirRequest['method'][] {
  return op.safe && op.methods.includes('GET') ? [...op.methods, 'HEAD'] : op.methods;
}

/** RFC 9110 §15.5.6: a known operation invoked by a method it does not take, with the ones it does in `Allow`. */
function methodNotAllowed(op: FhirOperation): Interaction {
  return async (request, route) => {
    throw new FhirError(405, issue('not-supported', `${request.method} does not invoke ${route.operation}; use ${allowedMethods(op).join(' or ')}`), { Allow: allowedMethods(op).join(', ') });
  };
}

/** An operation behind the caller's access decision, as its `access` says (OperationAccess). */
function guarded(op: FhirOperation): Interaction {
  return op.access === 'operation' ? guardInteraction('operation', op.run) : op.run;
}
