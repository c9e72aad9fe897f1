import { badRequest, FhirError, issue } from '../outcome.ts';

/** One operation of a JSON Patch document (RFC 6902 §4). */
export type JsonPatchOperation =
  | { op: 'add' | 'replace' | 'test'; path: string; value: unknown }
  | { op: 'remove'; path: string }
  | { op: 'move' | 'copy'; from: string; path: string };

type Container = Record<string, unknown> | unknown[];

const OPS = new Set(['add', 'remove', 'replace', 'move', 'copy', 'test']);
/** Keys that would reach an object's prototype rather than one of its members: never a FHIR element name. */
const FORBIDDEN_TOKENS = new Set(['__proto__', 'constructor', 'prototype']);

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Checks the shape of a JSON Patch document (RFC 6902 §4): an array of operations, each with its members.
 * A malformed document is a 400; whether it applies to the resource is decided by `applyJsonPatch`.
 */
export function parseJsonPatch(body: unknown): JsonPatchOperation[] {
  if (!Array.isArray(body)) throw badRequest('A JSON Patch document must be a JSON array of operations (RFC 6902 §3)');
  return body.map((raw: unknown, i): JsonPatchOperation => {
    const at = `[${i}]`;
    if (!isObject(raw)) throw badRequest(`JSON Patch operation ${at} must be an object`);
    const { op, path } = raw;
    if (typeof op !== 'string' || !OPS.has(op)) throw badRequest(`JSON Patch operation ${at}: op must be one of ${[...OPS].join(', ')}`);
    if (typeof path !== 'string') throw badRequest(`JSON Patch operation ${at} (${op}) needs a string path`);
    parsePointer(path, `${at}.path`);
    if (op === 'remove') return { op, path };
    if (op === 'move' || op === 'copy') {
      if (typeof raw.from !== 'string') throw badRequest(`JSON Patch operation ${at} (${op}) needs a string from`);
      parsePointer(raw.from, `${at}.from`);
      return { op, from: raw.from, path };
    }
    // RFC 6902 §4.1: `value` is required (null is a value; absent is not).
    if (!('value' in raw)) throw badRequest(`JSON Patch operation ${at} (${op}) needs a value`);
    return { op: op as 'add' | 'replace' | 'test', path, value: raw.value };
  });
}

/**
 * RFC 6901 JSON Pointer: `''` is the whole document, otherwise `/`-separated tokens where `~1` is `/` and
 * `~0` is `~` (decoded in that order, §4).
 */
function parsePointer(pointer: string, where: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw badRequest(`JSON Patch ${where}: '${pointer}' is not a JSON Pointer (it must start with '/')`);
  return pointer
    .slice(1)
    .split('/')
    .map((token) => {
      if (/~[^01]|~$/.test(token)) throw badRequest(`JSON Patch ${where}: '${pointer}' has an invalid ~ escape`);
      const decoded = token.replace(/~1/g, '/').replace(/~0/g, '~');
      if (FORBIDDEN_TOKENS.has(decoded)) throw badRequest(`JSON Patch ${where}: '${pointer}' names a forbidden member`);
      return decoded;
    });
}

/**
 * Applies a parsed JSON Patch to a copy of `document`, operation by operation (RFC 6902 §3). Atomic: the
 * input is never changed, and the first operation that cannot be applied (a path that does not exist, a
 * failed `test`) throws 422 for the whole patch, naming the element as a FHIRPath of the resource.
 */
export function applyJsonPatch(document: unknown, operations: readonly JsonPatchOperation[]): unknown {
  const resourceType = isObject(document) && typeof document.resourceType === 'string' ? document.resourceType : 'Resource';
  let doc = structuredClone(document);
  operations.forEach((operation, i) => {
    const step = new Step(`[${i}] ${operation.op} ${operation.path}`, resourceType);
    const path = parsePointer(operation.path, `[${i}].path`);
    switch (operation.op) {
      case 'add':
        doc = step.add(doc, path, structuredClone(operation.value));
        break;
      case 'remove':
        doc = step.remove(doc, path);
        break;
      case 'replace':
        // RFC 6902 §4.3: as a remove then an add, and the target must exist.
        doc = step.add(step.remove(doc, path), path, structuredClone(operation.value));
        break;
      case 'move': {
        const from = parsePointer(operation.from, `[${i}].from`);
        // RFC 6902 §4.4: a location cannot be moved into one of its children.
        if (operation.path.startsWith(`${operation.from}/`)) throw step.fail('cannot move a value into itself', path);
        const value = step.get(doc, from);
        doc = step.add(step.remove(doc, from), path, value);
        break;
      }
      case 'copy':
        doc = step.add(doc, path, structuredClone(step.get(doc, parsePointer(operation.from, `[${i}].from`))));
        break;
      case 'test':
        if (!jsonEqual(step.get(doc, path), operation.value)) throw step.fail('test failed: the value differs', path);
        break;
    }
  });
  return doc;
}

/** One operation being applied: what it reads and writes, and how it fails. */
class Step {
  constructor(
    private readonly label: string,
    private readonly resourceType: string,
  ) {}

  /** 422 (FHIR R4 http.html#patch: the patch cannot be applied), at the FHIRPath of the element (`/name/0` → `Patient.name[0]`). */
  fail(reason: string, path: readonly string[]): FhirError {
    const location = path.reduce((out, token) => (/^(0|[1-9]\d*)$/.test(token) ? `${out}[${token}]` : `${out}.${token}`), this.resourceType);
    return new FhirError(422, issue('processing', `JSON Patch operation ${this.label}: ${reason}`, location));
  }

  get(doc: unknown, path: readonly string[]): unknown {
    let current = doc;
    for (const [depth, token] of path.entries()) {
      const next = child(current, token);
      if (next === undefined) throw this.fail('no value at this path', path.slice(0, depth + 1));
      current = next.value;
    }
    return current;
  }

  add(doc: unknown, path: readonly string[], value: unknown): unknown {
    if (path.length === 0) return value;
    const { parent, key } = this.parentOf(doc, path);
    if (Array.isArray(parent)) {
      // RFC 6902 §4.1: `-` appends; an index up to the length inserts before it.
      const index = key === '-' ? parent.length : arrayIndex(key, parent.length);
      if (index === undefined) throw this.fail(`index ${key} is outside the array`, path);
      parent.splice(index, 0, value);
    } else {
      parent[key] = value;
    }
    return doc;
  }

  remove(doc: unknown, path: readonly string[]): unknown {
    if (path.length === 0) return undefined;
    const { parent, key } = this.parentOf(doc, path);
    if (Array.isArray(parent)) {
      const index = arrayIndex(key, parent.length - 1);
      if (index === undefined) throw this.fail(`index ${key} is outside the array`, path);
      parent.splice(index, 1);
    } else {
      if (!Object.hasOwn(parent, key)) throw this.fail('no value at this path', path);
      delete parent[key];
    }
    return doc;
  }

  /** The container holding the last token of `path`, and that token. */
  private parentOf(doc: unknown, path: readonly string[]): { parent: Container; key: string } {
    const key = path[path.length - 1] ?? '';
    const parent = this.get(doc, path.slice(0, -1));
    if (!Array.isArray(parent) && !isObject(parent)) throw this.fail('the parent of this path is not an object or array', path);
    return { parent, key };
  }
}

function child(container: unknown, token: string): { value: unknown } | undefined {
  if (Array.isArray(container)) {
    const index = arrayIndex(token, container.length - 1);
    return index === undefined ? undefined : { value: container[index] };
  }
  if (isObject(container) && Object.hasOwn(container, token)) return { value: container[token] };
  return undefined;
}

/** RFC 6901 §4: an array index is `0` or a number without leading zeros, within `max`. */
function arrayIndex(token: string, max: number): number | undefined {
  if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
  const index = Number(token);
  return index <= max ? index : undefined;
}

/** RFC 6902 §4.6: equal JSON values (objects regardless of member order, arrays element by element). */
function jsonEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((v, i) => jsonEqual(v, b[i]));
  if (isObject(a)) {
    if (!isObject(b)) return false;
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => Object.hasOwn(b, k) && jsonEqual(a[k], b[k]));
  }
  return a === b;
}
