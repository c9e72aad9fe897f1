import type { IssueType, OutcomeIssue } from '../outcome.ts';
import { issue } from '../outcome.ts';
import { oversizedString, primitiveCheck } from './primitive-formats.ts';
import type { ElementRule, NodeRule, StructureIndex } from './structure-index.ts';

/**
 * Walks a resource's JSON against the R4 element tree (StructureIndex) and collects every issue:
 * unknown elements, JSON shapes, cardinality, choice types, primitive values and the JSON rules of
 * json.html (no null, {} or [] outside parallel primitive arrays). Terminology bindings and
 * FHIRPath invariants (constraint.expression) are deliberately not checked here.
 */
export interface WalkOptions {
  readonly resourceTypes: ReadonlySet<string>;
  /** Stop collecting after this many issues (a pathological body should not make a huge outcome). */
  readonly maxIssues: number;
  /** Deepest object nesting walked; deeper bodies are refused rather than overflowing the stack. */
  readonly maxDepth: number;
}

type JsonObject = Record<string, unknown>;

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);
const kindOf = (value: unknown) => (value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'object' ? 'an object' : `a JSON ${typeof value}`);

export function walkResource(index: StructureIndex, options: WalkOptions, resource: JsonObject, expression: string): OutcomeIssue[] {
  const issues: OutcomeIssue[] = [];
  const full = () => issues.length >= options.maxIssues;
  const report = (code: IssueType, diagnostics: string, at: string) => {
    if (!full()) issues.push(issue(code, diagnostics, at));
  };

  /** A resource anywhere: the top level, contained, Bundle.entry.resource, Parameters.parameter.resource. */
  function visitResource(value: JsonObject, at: string): void {
    const type = value.resourceType;
    if (typeof type !== 'string' || !options.resourceTypes.has(type)) {
      report('structure', `Expected a resource with a known resourceType, got resourceType ${JSON.stringify(type)}`, at);
      return;
    }
    const node = index.root(type);
    if (!node) {
      report('structure', `No definition for resource type ${type}`, at);
      return;
    }
    visitObject(value, node, at, true);
  }

  let depth = 0;
  function visitObject(value: JsonObject, node: NodeRule, at: string, isResource: boolean): void {
    if (depth >= options.maxDepth) {
      report('structure', `Elements nested deeper than ${options.maxDepth} levels are not accepted`, at);
      return;
    }
    depth++;
    try {
      visitElements(value, node, at, isResource);
    } finally {
      depth--;
    }
  }

  function visitElements(value: JsonObject, node: NodeRule, at: string, isResource: boolean): void {
    const keys = Object.keys(value);
    if (keys.length === 0) {
      // json.html: objects are never empty.
      report('structure', 'Empty objects are not allowed', at);
      return;
    }
    // Per element, the JSON names present (several only for a misused choice element).
    const present = new Map<ElementRule, string[]>();
    for (const key of keys) {
      if (full()) return;
      if (isResource && key === 'resourceType') continue;
      const isSibling = key.startsWith('_');
      const name = isSibling ? key.slice(1) : key;
      const match = node.properties.get(name);
      if (!match || (isSibling && (!primitiveCheck(match.type) || match.type === 'xhtml'))) {
        report('structure', `Unknown element '${key}'`, `${at}.${key}`);
        continue;
      }
      const names = present.get(match.element);
      if (!names) present.set(match.element, [name]);
      else if (!names.includes(name)) names.push(name);
    }
    for (const element of node.elements) {
      if (full()) return;
      const names = present.get(element);
      if (!names) {
        if (element.min > 0) {
          report('required', `Missing required element '${element.choice ? `${element.name}[x]` : element.name}' (minimum ${element.min})`, `${at}.${element.name}`);
        }
        continue;
      }
      if (names.length > 1) {
        report('structure', `Only one of ${names.join(', ')} may be present (${element.name}[x] is a single choice)`, `${at}.${element.name}`);
        continue;
      }
      const name = names[0] as string;
      const type = node.properties.get(name)?.type ?? 'Element';
      const elementAt = element.choice ? `${at}.${element.name}.ofType(${type})` : `${at}.${name}`;
      if (primitiveCheck(type)) visitPrimitive(value[name], value[`_${name}`], element, type, elementAt);
      else visitComplex(value[name], element, type, elementAt);
    }
  }

  function checkCount(count: number, element: ElementRule, at: string): boolean {
    if (count === 0) {
      report('structure', 'Empty arrays are not allowed', at);
      return false;
    }
    if (count > element.max) report('invalid', `Too many values: ${count} where at most ${element.max} are allowed`, at);
    return true;
  }

  function visitComplex(value: unknown, element: ElementRule, type: string, at: string): void {
    if (!element.array) {
      if (Array.isArray(value)) report('structure', `Expected a single value (maximum 1), got an array`, at);
      else visitComplexItem(value, element, type, at);
      return;
    }
    if (!Array.isArray(value)) {
      report('structure', `Expected an array (maximum ${element.max === Infinity ? '*' : element.max}), got ${kindOf(value)}`, at);
      return;
    }
    if (!checkCount(value.length, element, at)) return;
    value.forEach((item, i) => visitComplexItem(item, element, type, `${at}[${i}]`));
  }

  function visitComplexItem(value: unknown, element: ElementRule, type: string, at: string): void {
    if (full()) return;
    if (!isObject(value)) {
      report('structure', `Expected an object (${type}), got ${kindOf(value)}`, at);
      return;
    }
    if (type === 'Resource') return visitResource(value, at);
    const node = element.children ? index.node(element.children) : index.root(type);
    if (!node) {
      report('structure', `No definition for type ${type}`, at);
      return;
    }
    visitObject(value, node, at, false);
  }

  /** A primitive and its `_name` sibling holding id/extension (json.html#primitive). */
  function visitPrimitive(value: unknown, sibling: unknown, element: ElementRule, type: string, at: string): void {
    const check = primitiveCheck(type);
    if (!check) return;
    const elementNode = index.root('Element');
    const visitSibling = (ext: unknown, extAt: string) => {
      if (!isObject(ext)) report('structure', `Expected an object holding id/extension, got ${kindOf(ext)}`, extAt);
      else if (elementNode) visitObject(ext, elementNode, extAt, false);
    };
    const visitValue = (v: unknown, valueAt: string) => {
      if (isObject(v) || Array.isArray(v)) {
        report('structure', `Expected a primitive ${type}, got ${kindOf(v)}`, valueAt);
        return;
      }
      // Before the format check: no pattern is run over megabytes the value may not have anyway.
      const oversized = oversizedString(type, v);
      if (oversized) {
        report('too-long', oversized, valueAt);
        return;
      }
      const error = check(v);
      if (error) report('value', error, valueAt);
    };

    if (!element.array) {
      if (Array.isArray(value) || Array.isArray(sibling)) {
        report('structure', `Expected a single value (maximum 1), got an array`, at);
        return;
      }
      if (value === null) report('structure', 'null is only allowed inside arrays of primitives', at);
      else if (value !== undefined) visitValue(value, at);
      if (sibling !== undefined) visitSibling(sibling, at);
      return;
    }

    if ((value !== undefined && !Array.isArray(value)) || (sibling !== undefined && !Array.isArray(sibling))) {
      report('structure', `Expected an array (maximum ${element.max === Infinity ? '*' : element.max}), got ${kindOf(Array.isArray(value) ? sibling : value)}`, at);
      return;
    }
    const values = value as unknown[] | undefined;
    const siblings = sibling as unknown[] | undefined;
    if (values && siblings && values.length !== siblings.length) {
      report('structure', `The arrays ${element.name} and _${element.name} must have the same length (${values.length} ≠ ${siblings.length})`, at);
      return;
    }
    const count = Math.max(values?.length ?? 0, siblings?.length ?? 0);
    if (!checkCount(count, element, at)) return;
    for (let i = 0; i < count && !full(); i++) {
      const v = values?.[i] ?? null;
      const ext = siblings?.[i] ?? null;
      const itemAt = `${at}[${i}]`;
      // Parallel arrays: null marks "no value" or "no extension" at a position, never both.
      if (v === null && ext === null) report('structure', 'null where neither a value nor an extension is given', itemAt);
      if (v !== null) visitValue(v, itemAt);
      if (ext !== null) visitSibling(ext, itemAt);
    }
  }

  visitResource(resource, expression);
  return issues;
}
