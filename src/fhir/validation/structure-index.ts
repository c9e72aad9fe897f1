import type { ElementDefinition, FhirDefinitions, StructureDefinition } from '../definitions.ts';
import { primitiveCheck } from './primitive-formats.ts';

/**
 * The element tree of each R4 type, indexed from its StructureDefinition snapshot so that a walk
 * over a resource is one Map lookup per JSON property. Built lazily per type on first use and kept
 * for the life of the index (one per validator), never rebuilt per call.
 */
export interface ElementRule {
  /** JSON name without the choice suffix: `value` for `Observation.value[x]`. */
  readonly name: string;
  /** Snapshot path, e.g. `Observation.component.value[x]`. */
  readonly path: string;
  readonly min: number;
  /** Infinity for `*`. */
  readonly max: number;
  /** JSON shape: an array when the base definition allows more than one (json.html#arrays). */
  readonly array: boolean;
  readonly choice: boolean;
  /** Type codes, FHIRPath System.* codes mapped to their FHIR primitive type. */
  readonly types: readonly string[];
  /** BackboneElement children or contentReference target: a node of the same StructureDefinition. */
  readonly children?: NodeKey;
}

export interface NodeKey {
  readonly type: string;
  readonly path: string;
}

export interface ElementMatch {
  readonly element: ElementRule;
  /** The concrete type this JSON name carries (`Quantity` for `valueQuantity`). */
  readonly type: string;
}

/** The elements allowed in one JSON object: a type's root, or a backbone element. */
export interface NodeRule {
  readonly elements: readonly ElementRule[];
  /** JSON property name → element; choice elements appear once per type suffix. */
  readonly properties: ReadonlyMap<string, ElementMatch>;
}

export interface StructureIndex {
  /** The node at `path` of type `type` (`Patient`/`Patient`, `Patient`/`Patient.contact`). */
  node(key: NodeKey): NodeRule | undefined;
  /** The root node of a type (`HumanName`, `Patient`). */
  root(type: string): NodeRule | undefined;
}

const FHIR_TYPE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';
const SYSTEM_TYPE_PREFIX = 'http://hl7.org/fhirpath/System.';
const SYSTEM_TYPES: Readonly<Record<string, string>> = {
  String: 'string', Boolean: 'boolean', Integer: 'integer', Decimal: 'decimal',
  Date: 'date', DateTime: 'dateTime', Time: 'time',
};

export function createStructureIndex(definitions: FhirDefinitions): StructureIndex {
  const byType = new Map<string, ReadonlyMap<string, NodeRule>>();

  function nodesOf(type: string): ReadonlyMap<string, NodeRule> | undefined {
    let nodes = byType.get(type);
    if (!nodes) {
      const sd = definitions.structures.get(type);
      if (!sd?.snapshot) return undefined;
      nodes = buildNodes(sd);
      byType.set(type, nodes);
    }
    return nodes;
  }

  return {
    node: (key) => nodesOf(key.type)?.get(key.path),
    root: (type) => nodesOf(type)?.get(type),
  };
}

function buildNodes(sd: StructureDefinition): ReadonlyMap<string, NodeRule> {
  const elements = sd.snapshot?.element ?? [];
  const paths = new Set(elements.map((e) => e.path));
  const hasChildren = new Set<string>();
  for (const path of paths) {
    const dot = path.lastIndexOf('.');
    if (dot > 0) hasChildren.add(path.slice(0, dot));
  }

  const nodes = new Map<string, { elements: ElementRule[]; properties: Map<string, ElementMatch> }>();
  const nodeAt = (path: string) => {
    let node = nodes.get(path);
    if (!node) nodes.set(path, (node = { elements: [], properties: new Map() }));
    return node;
  };
  nodeAt(sd.type);

  for (const def of elements) {
    const dot = def.path.lastIndexOf('.');
    if (dot < 0) continue; // the root element
    const parent = def.path.slice(0, dot);
    const rule = elementRule(sd, def, def.path.slice(dot + 1), parent === sd.type, hasChildren.has(def.path));
    if (rule.max === 0) continue; // prohibited: any value is an unknown element
    const node = nodeAt(parent);
    node.elements.push(rule);
    if (rule.choice) {
      for (const type of rule.types) node.properties.set(rule.name + type.charAt(0).toUpperCase() + type.slice(1), { element: rule, type });
    } else {
      node.properties.set(rule.name, { element: rule, type: rule.types[0] ?? 'Element' });
    }
  }
  return nodes;
}

function elementRule(sd: StructureDefinition, def: ElementDefinition, lastSegment: string, atRoot: boolean, hasChildren: boolean): ElementRule {
  const choice = lastSegment.endsWith('[x]');
  const name = choice ? lastSegment.slice(0, -3) : lastSegment;
  const maxText = def.max ?? '*';
  const baseMax = def.base?.max ?? maxText;
  const types = (def.type ?? []).map((t) => typeCode(t));
  // Resource.id is an `id` (resource.html#id), though the snapshot types it as a System.String.
  if (atRoot && name === 'id' && sd.kind === 'resource') types.splice(0, types.length, 'id');

  let children: NodeKey | undefined;
  if (def.contentReference) {
    // `#Questionnaire.item`, or a canonical URL ending in that fragment.
    children = { type: sd.type, path: def.contentReference.slice(def.contentReference.indexOf('#') + 1) };
  } else if (hasChildren) {
    children = { type: sd.type, path: def.path };
  }
  return {
    name,
    path: def.path,
    min: def.min ?? 0,
    max: maxText === '*' ? Infinity : Number(maxText),
    array: baseMax !== '1' && baseMax !== '0',
    choice,
    types,
    ...(children ? { children } : {}),
  };
}

function typeCode(type: { code: string; extension?: unknown[] }): string {
  if (!type.code.startsWith(SYSTEM_TYPE_PREFIX)) return type.code;
  const fhirType = (type.extension as { url?: string; valueUrl?: string }[] | undefined)?.find((e) => e.url === FHIR_TYPE_EXTENSION)?.valueUrl;
  return fhirType ?? SYSTEM_TYPES[type.code.slice(SYSTEM_TYPE_PREFIX.length)] ?? 'string';
}

/** Whether a type is one of the R4 primitives (a JSON value with an optional `_name` sibling). */
export const isPrimitiveType = (type: string): boolean => primitiveCheck(type) !== undefined;
