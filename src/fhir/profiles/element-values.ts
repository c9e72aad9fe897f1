import type { ElementRules } from './profile-tree.ts';

/** One value of an element in a resource, with its FHIRPath location and, for a choice, its type. */
export interface ElementValue {
  readonly value: unknown;
  readonly at: string;
  /** The type suffix of a choice (`Quantity` for `valueQuantity`). */
  readonly type?: string;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isUpper = (c: string | undefined) => c !== undefined && c >= 'A' && c <= 'Z';

/**
 * The values an element has in one JSON object. A primitive holding only an extension (`_name`,
 * json.html#primitive) is present: it counts towards cardinality, with an undefined value.
 */
export function valuesOf(element: Pick<ElementRules, 'key' | 'choice' | 'choiceType'>, parent: unknown, at: string): ElementValue[] {
  if (!isObject(parent)) return [];
  if (element.choice) {
    const found: ElementValue[] = [];
    for (const [name, value] of Object.entries(parent)) {
      if (name.length > element.key.length && name.startsWith(element.key) && isUpper(name[element.key.length])) {
        const type = name.slice(element.key.length);
        found.push({ value, at: `${at}.${element.key}.ofType(${type})`, type });
      }
    }
    return found;
  }
  const name = element.key;
  const where = element.choiceType ? `${at}.${element.choiceType.prefix}.ofType(${element.choiceType.type})` : `${at}.${name}`;
  const type = element.choiceType?.type;
  const raw = parent[name];
  const sibling = parent[`_${name}`];
  const list: unknown[] = raw !== undefined ? (Array.isArray(raw) ? raw : [raw]) : sibling === undefined ? [] : Array.isArray(sibling) ? sibling.map(() => undefined) : [undefined];
  const isArray = Array.isArray(raw) || (raw === undefined && Array.isArray(sibling));
  return list.map((value, i) => ({ value, at: isArray ? `${where}[${i}]` : where, ...(type ? { type } : {}) }));
}

/** The values at a simple dotted path below a value (`coding.code`, `$this`), arrays flattened. */
export function valuesAtPath(value: unknown, path: string): unknown[] {
  if (path === '$this') return [value];
  let current: unknown[] = [value];
  for (const segment of path.split('.')) {
    const next: unknown[] = [];
    for (const v of current) {
      if (!isObject(v)) continue;
      const child = v[segment];
      if (Array.isArray(child)) next.push(...child);
      else if (child !== undefined) next.push(child);
    }
    current = next;
  }
  return current;
}
