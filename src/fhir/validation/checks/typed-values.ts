import type { FhirDefinitions } from '../../definitions.ts';
import { createStructureIndex, isPrimitiveType, type ElementRule, type NodeRule, type StructureIndex } from '../structure-index.ts';

/**
 * A walk over one resource's complex values that knows each value's R4 type, for the checks that
 * look at one type wherever it occurs (Reference, Narrative). It runs after the structure walk
 * accepted the resource, so shapes are the R4 ones and nesting is bounded; it does not enter
 * nested resources (contained, Bundle.entry.resource, Parameters.parameter.resource): it hands
 * them to `resource`, and each check decides how a nested resource relates to its host.
 */
export type JsonObject = Record<string, unknown>;

export interface TypedValue {
  readonly value: JsonObject;
  /** The value's type: `Reference`, `Narrative`, `HumanName`, or a backbone's base type. */
  readonly type: string;
  /** FHIRPath of the value, e.g. `Observation.subject`, `Bundle.entry[0].resource.contained[1]`. */
  readonly at: string;
  /** The element holding it, with `path` in the snapshot of `definedIn` (`Observation.subject`). */
  readonly element: ElementRule;
  readonly definedIn: string;
}

export interface TypedVisitor {
  /** Every complex value that is not a resource, outermost first. */
  value?(visited: TypedValue): void;
  /** A resource nested in this one, with the element holding it (`contained`, `resource`). */
  resource?(resource: JsonObject, at: string, element: ElementRule): void;
}

export const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

const indexes = new WeakMap<FhirDefinitions, StructureIndex>();

/** One structure index per set of definitions, shared by the checks (it is built lazily per type). */
export function structureIndexOf(definitions: FhirDefinitions): StructureIndex {
  let index = indexes.get(definitions);
  if (!index) indexes.set(definitions, (index = createStructureIndex(definitions)));
  return index;
}

export function visitTyped(index: StructureIndex, resource: JsonObject, at: string, visitor: TypedVisitor): void {
  const type = resource.resourceType;
  const root = typeof type === 'string' ? index.root(type) : undefined;
  if (root && typeof type === 'string') visitNode(index, resource, root, type, at, visitor);
}

function visitNode(index: StructureIndex, value: JsonObject, node: NodeRule, definedIn: string, at: string, visitor: TypedVisitor): void {
  for (const [key, child] of Object.entries(value)) {
    const match = node.properties.get(key);
    if (!match || isPrimitiveType(match.type)) continue;
    const { element, type } = match;
    const childAt = element.choice ? `${at}.${element.name}.ofType(${type})` : `${at}.${key}`;
    if (Array.isArray(child)) child.forEach((item, i) => visitValue(index, item, element, type, definedIn, `${childAt}[${i}]`, visitor));
    else visitValue(index, child, element, type, definedIn, childAt, visitor);
  }
}

function visitValue(index: StructureIndex, value: unknown, element: ElementRule, type: string, definedIn: string, at: string, visitor: TypedVisitor): void {
  if (!isObject(value)) return;
  if (type === 'Resource') {
    visitor.resource?.(value, at, element);
    return;
  }
  visitor.value?.({ value, type, at, element, definedIn });
  const key = element.children;
  const node = key ? index.node(key) : index.root(type);
  if (node) visitNode(index, value, node, key ? key.type : type, at, visitor);
}
