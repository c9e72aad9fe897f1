import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import { badRequest, FhirError, issue } from '../outcome.ts';
import type { ElementMatch, NodeRule, StructureIndex } from '../validation/structure-index.ts';

/** FHIR R4 fhirpatch.html: the operation types of a FHIRPath Patch. */
type PatchType = 'add' | 'insert' | 'delete' | 'replace' | 'move';
const TYPES = new Set<string>(['add', 'insert', 'delete', 'replace', 'move']);

/** One `operation` parameter of a FHIRPath Patch, its parts read. */
export interface FhirPathPatchOperation {
  type: PatchType;
  path: string;
  name?: string;
  /** The `value` part as sent: a `value[x]` or nested parts, built once the element it goes to is known. */
  value?: Part;
  index?: number;
  source?: number;
  destination?: number;
  /** `Parameters.parameter[2]`: where the operation is, for diagnostics. */
  at: string;
}

/** A Parameters.parameter or one of its parts. */
type Part = Record<string, unknown>;

/** A node of the FHIRPath result with its place in the resource (fhirpath.js ResourceNode, resolveInternalTypes off). */
interface LocatedNode {
  parentResNode: LocatedNode | null;
  path: string | null;
  propName: string | null | undefined;
  index: number | null | undefined;
  data: unknown;
}

/** Keys that would reach an object's prototype rather than one of its members: never a FHIR element name. */
const FORBIDDEN_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a FHIRPath Patch document (FHIR R4 fhirpatch.html): a Parameters resource whose `operation`
 * parameters each carry the parts `type`, `path`, and as the type needs `name`, `value`, `index`,
 * `source`, `destination`. A malformed document is a 400.
 */
export function parseFhirPathPatch(body: unknown): FhirPathPatchOperation[] {
  if (!isObject(body) || body.resourceType !== 'Parameters') throw badRequest('A FHIRPath Patch document must be a Parameters resource (FHIR R4 fhirpatch.html)');
  const parameters = body.parameter ?? [];
  if (!Array.isArray(parameters)) throw badRequest('Parameters.parameter must be an array', 'Parameters.parameter');
  return parameters.map((parameter: unknown, i): FhirPathPatchOperation => {
    const at = `Parameters.parameter[${i}]`;
    if (!isObject(parameter) || parameter.name !== 'operation') throw badRequest(`${at} must be an 'operation' parameter`, at);
    const parts = Array.isArray(parameter.part) ? parameter.part.filter(isObject) : [];
    const partNamed = (name: string) => parts.find((p) => p.name === name);
    const text = (name: string): string | undefined => {
      const part = partNamed(name);
      if (part === undefined) return undefined;
      const value = part.valueCode ?? part.valueString;
      if (typeof value !== 'string' || value === '') throw badRequest(`${at}: the part '${name}' needs a string value`, at);
      return value;
    };
    const integer = (name: string): number | undefined => {
      const part = partNamed(name);
      if (part === undefined) return undefined;
      const value = part.valueInteger;
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw badRequest(`${at}: the part '${name}' needs a valueInteger of 0 or more`, at);
      return value;
    };
    const type = text('type');
    if (type === undefined || !TYPES.has(type)) throw badRequest(`${at}: type must be one of ${[...TYPES].join(', ')}`, at);
    const path = text('path');
    if (path === undefined) throw badRequest(`${at}: a ${type} operation needs a path`, at);
    const op: FhirPathPatchOperation = { type: type as PatchType, path, at };
    const name = text('name');
    if (name !== undefined) {
      if (FORBIDDEN_NAMES.has(name) || !/^[A-Za-z][A-Za-z0-9]*$/.test(name)) throw badRequest(`${at}: '${name}' is not an element name`, at);
      op.name = name;
    }
    const value = partNamed('value');
    if (value !== undefined) op.value = value;
    const index = integer('index');
    if (index !== undefined) op.index = index;
    const source = integer('source');
    if (source !== undefined) op.source = source;
    const destination = integer('destination');
    if (destination !== undefined) op.destination = destination;
    // fhirpatch.html's table: what each type requires.
    const needs: Record<PatchType, (keyof FhirPathPatchOperation)[]> = {
      add: ['name', 'value'],
      insert: ['value', 'index'],
      delete: [],
      replace: ['value'],
      move: ['source', 'destination'],
    };
    for (const key of needs[op.type]) if (op[key] === undefined) throw badRequest(`${at}: a ${type} operation needs the part '${key}'`, at);
    return op;
  });
}

/**
 * Applies a FHIRPath Patch to a copy of `resource`, operation by operation, locating elements with FHIRPath on
 * the R4 model. Atomic: the input is never changed, and the first operation that cannot be applied (a path that
 * matches nothing or several elements, an index out of range) throws 422 for the whole patch.
 */
export function applyFhirPathPatch(resource: Record<string, unknown>, operations: readonly FhirPathPatchOperation[], structures: StructureIndex): Record<string, unknown> {
  const doc = structuredClone(resource);
  for (const op of operations) new PatchStep(op, structures).apply(doc);
  return doc;
}

class PatchStep {
  constructor(
    private readonly op: FhirPathPatchOperation,
    private readonly structures: StructureIndex,
  ) {}

  apply(doc: Record<string, unknown>): void {
    const { op } = this;
    const nodes = this.locate(doc, op.path);
    switch (op.type) {
      case 'delete': {
        // fhirpatch.html: deleting what is not there is no error; more than one element is.
        if (nodes.length === 0) return;
        const node = this.single(nodes);
        const { container, key } = this.placeOf(node);
        if (typeof node.index === 'number') {
          spliceWithExtensions(container, key, node.index, 1);
          if ((container[key] as unknown[]).length === 0) removeKey(container, key);
        } else {
          removeKey(container, key);
        }
        return;
      }
      case 'replace': {
        const node = this.single(nodes);
        const { container, key } = this.placeOf(node);
        const value = this.valueFor(this.elementOf(node), op.value);
        if (typeof node.index === 'number') {
          (container[key] as unknown[])[node.index] = value;
          return;
        }
        // A choice element may change type: `deceasedBoolean` replaced by a valueDateTime is `deceasedDateTime`.
        const suffix = op.value ? valueKeyOf(op.value)?.slice('value'.length) : undefined;
        const name = node.propName ?? key;
        const newKey = key !== name && suffix ? `${name}${suffix}` : key;
        if (newKey !== key) removeKey(container, key);
        container[newKey] = value;
        return;
      }
      case 'add': {
        const node = this.single(nodes);
        if (!isObject(node.data)) throw this.fail(`the path names a ${typeof node.data} value, which has no elements to add to`);
        const name = op.name ?? '';
        const element = this.childElement(node, name, op.value);
        const key = element ? jsonKey(name, element, op.value) : name;
        const value = this.valueFor(element, op.value);
        const container = node.data;
        if (element?.element.array ?? Array.isArray(container[key])) {
          const list = container[key];
          container[key] = Array.isArray(list) ? [...list, value] : [value];
        } else if (container[key] !== undefined) {
          throw this.fail(`${op.path} already has a ${key}; use replace`);
        } else {
          container[key] = value;
        }
        return;
      }
      case 'insert': {
        const { container, key, list } = this.listOf(doc, nodes);
        const index = op.index ?? 0;
        if (index > list.length) throw this.fail(`index ${index} is beyond the end of the list (${list.length} elements)`);
        const value = this.valueFor(nodes[0] ? this.elementOf(nodes[0]) : undefined, op.value);
        container[key] = list;
        spliceWithExtensions(container, key, index, 0, value);
        return;
      }
      case 'move': {
        const { container, key, list } = this.listOf(doc, nodes);
        const { source = 0, destination = 0 } = op;
        if (source >= list.length || destination >= list.length) throw this.fail(`source ${source} and destination ${destination} must be below the list's length (${list.length})`);
        const [moved] = list.splice(source, 1);
        list.splice(destination, 0, moved);
        const extensions = container[`_${key}`];
        if (Array.isArray(extensions)) {
          const [movedExtension] = extensions.splice(source, 1);
          extensions.splice(destination, 0, movedExtension ?? null);
        }
        return;
      }
    }
  }

  /** The elements the path matches, each with its place in `doc`. */
  private locate(doc: Record<string, unknown>, path: string): LocatedNode[] {
    let result: unknown[];
    try {
      result = fhirpath.evaluate(doc, path, {}, r4, { resolveInternalTypes: false }) as unknown[];
    } catch (err) {
      throw badRequest(`${this.op.at}: the path '${path}' is not a FHIRPath expression this server can evaluate: ${(err as Error).message}`, this.op.at);
    }
    return result.map((node) => {
      if (!isObject(node) || !('parentResNode' in node)) throw this.fail(`the path '${path}' computes a value rather than naming an element`);
      return node as unknown as LocatedNode;
    });
  }

  private single(nodes: readonly LocatedNode[]): LocatedNode {
    const [node] = nodes;
    if (!node) throw this.fail(`the path '${this.op.path}' matches no element`);
    if (nodes.length > 1) throw this.fail(`the path '${this.op.path}' matches ${nodes.length} elements; it must match one`);
    return node;
  }

  /** The JSON object holding a node, and its key there (`deceasedBoolean` for `Patient.deceased`). */
  private placeOf(node: LocatedNode): { container: Record<string, unknown>; key: string } {
    const container = node.parentResNode?.data;
    const name = node.propName;
    if (!isObject(container) || !name) throw this.fail(`the path '${this.op.path}' names the resource itself, not one of its elements`);
    if (Object.hasOwn(container, name)) return { container, key: name };
    // A choice element: fhirpath names it without its type suffix.
    const key = Object.keys(container).find((k) => k.startsWith(name) && /^[A-Z]/.test(k.slice(name.length)));
    if (!key) throw this.fail(`the path '${this.op.path}' names an element that is not in the resource`);
    return { container, key };
  }

  /** The list an insert or move works on: that of the elements the path matches, or the named empty one. */
  private listOf(doc: Record<string, unknown>, nodes: readonly LocatedNode[]): { container: Record<string, unknown>; key: string; list: unknown[] } {
    const [first] = nodes;
    if (first) {
      const { container, key } = this.placeOf(first);
      const list = container[key];
      if (!Array.isArray(list) || nodes.some((n) => n.parentResNode?.data !== container || typeof n.index !== 'number')) {
        throw this.fail(`the path '${this.op.path}' must name one list`);
      }
      return { container, key, list };
    }
    // No element yet: `Patient.identifier` on a Patient without identifiers names the empty list of its parent.
    const m = /^(.+)\.([A-Za-z][A-Za-z0-9]*)$/.exec(this.op.path);
    if (this.op.type === 'insert' && m?.[1] && m[2] && !FORBIDDEN_NAMES.has(m[2])) {
      const parent = this.single(this.locate(doc, m[1]));
      if (isObject(parent.data) && parent.data[m[2]] === undefined) return { container: parent.data, key: m[2], list: [] };
    }
    throw this.fail(`the path '${this.op.path}' matches no list`);
  }

  /** The R4 element a located node is (its cardinality and type), when the model knows it. */
  private elementOf(node: LocatedNode): ElementMatch | undefined {
    const parent = node.parentResNode;
    if (!parent?.path || !node.propName) return undefined;
    const rule = this.nodeRule(parent.path);
    return rule?.properties.get(node.propName) ?? rule?.elements.filter((e) => e.name === node.propName).map((element) => ({ element, type: element.types[0] ?? 'Element' }))[0];
  }

  /** The element `name` of the object a node is, with the type the value part gives a choice element. */
  private childElement(node: LocatedNode, name: string, value: Part | undefined): ElementMatch | undefined {
    if (!node.path) return undefined;
    const rule = this.nodeRule(node.path);
    const direct = rule?.properties.get(name);
    if (direct) return direct;
    const suffix = value ? valueKeyOf(value)?.slice('value'.length) : undefined;
    return suffix ? rule?.properties.get(`${name}${suffix}`) : undefined;
  }

  /** The elements of the object at a fhirpath node path (`Patient`, `HumanName`, `Patient.contact`). */
  private nodeRule(path: string): NodeRule | undefined {
    const type = path.split('.')[0] ?? path;
    return this.structures.node({ type, path });
  }

  /** The JSON value of a `value` part for an element: its `value[x]`, or an object built from its parts. */
  private valueFor(element: ElementMatch | undefined, part: Part | undefined): unknown {
    if (!part) throw this.fail('the operation needs a value');
    const key = valueKeyOf(part);
    if (key) return structuredClone(part[key]);
    if (isObject(part.resource)) return structuredClone(part.resource);
    if (!Array.isArray(part.part)) throw this.fail('the value part has neither a value[x] nor parts');
    const rule = element ? this.ruleOfType(element) : undefined;
    const out: Record<string, unknown> = {};
    for (const sub of part.part.filter(isObject)) {
      const name = sub.name;
      if (typeof name !== 'string' || FORBIDDEN_NAMES.has(name)) throw this.fail('each part of a value needs an element name');
      // A choice element's part is named without its type (`value`), its value[x] says which (`valueQuantity`).
      const suffix = valueKeyOf(sub)?.slice('value'.length) ?? '';
      const subKey = !rule?.properties.has(name) && rule?.properties.has(`${name}${suffix}`) ? `${name}${suffix}` : name;
      const subElement = rule?.properties.get(subKey);
      const subValue = this.valueFor(subElement, sub);
      if (subElement?.element.array ?? out[subKey] !== undefined) {
        const list = out[subKey];
        out[subKey] = Array.isArray(list) ? [...list, subValue] : [subValue];
      } else {
        out[subKey] = subValue;
      }
    }
    return out;
  }

  /** The elements of a value of this element: its backbone children or its data type's. */
  private ruleOfType(match: ElementMatch): NodeRule | undefined {
    return match.element.children ? this.structures.node(match.element.children) : this.structures.root(match.type);
  }

  private fail(reason: string): FhirError {
    return new FhirError(422, issue('processing', `FHIRPath Patch ${this.op.type} at ${this.op.at}: ${reason}`, this.op.path));
  }
}

/** The `value[x]` key a part carries (`valueString`, `valueHumanName`), if any. */
function valueKeyOf(part: Part): string | undefined {
  return Object.keys(part).find((k) => k.startsWith('value') && /^[A-Z]/.test(k.slice('value'.length)));
}

/** The JSON name of element `name` for a value: a choice element carries the value's type (`deceasedBoolean`). */
function jsonKey(name: string, match: ElementMatch, value: Part | undefined): string {
  if (!match.element.choice) return name;
  const suffix = value ? valueKeyOf(value)?.slice('value'.length) : undefined;
  return suffix ? `${name}${suffix}` : `${name}${match.type.charAt(0).toUpperCase()}${match.type.slice(1)}`;
}

/** Removes an element and its primitive extensions (`_birthDate`, FHIR R4 json.html#primitive). */
function removeKey(container: Record<string, unknown>, key: string): void {
  delete container[key];
  delete container[`_${key}`];
}

/** Splices a list and, for a list of primitives with extensions, its `_name` list in step. */
function spliceWithExtensions(container: Record<string, unknown>, key: string, start: number, deleteCount: number, ...items: unknown[]): void {
  (container[key] as unknown[]).splice(start, deleteCount, ...items);
  const extensions = container[`_${key}`];
  if (Array.isArray(extensions)) {
    extensions.splice(start, deleteCount, ...items.map(() => null));
    if (extensions.every((e) => e === null)) delete container[`_${key}`];
  }
}
