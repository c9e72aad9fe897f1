import fhirpath from 'fhirpath';

/** One invariant of an element definition, as the invariants check evaluates it. */
export interface Invariant {
  readonly key: string;
  readonly severity: 'error' | 'warning';
  readonly human: string;
  readonly expression: string;
  /** The element definition's path the expression is relative to (`Observation`, `Period`, `Patient.contact`). */
  readonly base: string;
  /**
   * The same rule in code, for invariants met on nearly every resource: its answer, or undefined where it
   * leaves the case to the expression.
   */
  readonly decide?: (node: Record<string, unknown>, env: Record<string, unknown>) => boolean | undefined;
}

export type Evaluator = (node: unknown, env: Record<string, unknown>) => unknown[];

export interface CompiledInvariant extends Invariant {
  /** Whether it holds on this element; `present` names the element's children that are there. Throws when the library cannot evaluate it. */
  holds(node: Record<string, unknown>, present: ReadonlySet<string>, env: Record<string, unknown>): boolean;
}

/**
 * An invariant compiled lazily (on first evaluation, then kept) and guarded by the elements it reads: an
 * expression that only navigates from its element to named children (`dataAbsentReason.empty() or
 * value.empty()`) gives the same result on every element where none of those children is present, so that
 * result is worked out once (on an empty element) and reused. An expression that looks at the element
 * itself or elsewhere (`hasValue()`, `children()`, `$this`, `%resource`) is always evaluated.
 */
export function compileInvariant(invariant: Invariant, compile: (base: string, expression: string) => Evaluator): CompiledInvariant {
  let parts: Part[] | undefined;
  return {
    ...invariant,
    holds(node, present, env) {
      const decided = invariant.decide?.(node, env);
      if (decided !== undefined) return decided;
      parts ??= disjuncts(invariant.expression).map((text) => part(invariant.base, text, compile));
      // FHIRPath `or` is true when any side is true; otherwise false or empty, and both break the invariant.
      // The sides answered without evaluating come first.
      return parts.some((p) => p.known(present) === true) || parts.some((p) => p.value(node, present, env) === true);
    },
  };
}

/** A disjunct's value: true, false, or undefined for an empty result. */
interface Part {
  /** The value when it is the same for every element with these children present, else null. */
  known(present: ReadonlySet<string>): boolean | undefined | null;
  value(node: Record<string, unknown>, present: ReadonlySet<string>, env: Record<string, unknown>): boolean | undefined;
}

function part(base: string, text: string, compile: (base: string, expression: string) => Evaluator): Part {
  let evaluator: Evaluator | undefined;
  let reads: ReadonlySet<string> | null | undefined; // null: not guardable
  let whenAbsent: { value: boolean | undefined } | undefined;
  const run = (node: unknown, env: Record<string, unknown>) => {
    evaluator ??= compile(base, text);
    return truth(evaluator(node, env));
  };
  const known = (present: ReadonlySet<string>) => {
    if (reads === undefined) reads = namesRead(text);
    if (reads === null || [...reads].some((name) => present.has(name))) return null;
    whenAbsent ??= { value: run({}, { resource: {}, rootResource: {} }) };
    return whenAbsent.value;
  };
  return {
    known,
    value(node, present, env) {
      const value = known(present);
      return value === null ? run(node, env) : value;
    },
  };
}

/**
 * The top-level `or` operands of an expression (`a or b or c`), each evaluated and guarded on its own; the
 * whole expression when it has none, or holds a top-level `xor` or `implies` (which bind looser than or as
 * tight as `or`).
 */
function disjuncts(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote: string | undefined;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i] as string;
    if (quote) {
      if (c === '\\') i++;
      else if (c === quote) quote = undefined;
      continue;
    }
    if (c === "'" || c === '`' || c === '"') quote = c;
    else if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') depth--;
    else if (depth === 0 && /\s/.test(c)) {
      const word = /^\s+(or|xor|implies)\s/.exec(expression.slice(i));
      if (word?.[1] === 'or') {
        parts.push(expression.slice(start, i));
        start = i + word[0].length;
        i = start - 1;
      } else if (word) {
        return [expression];
      }
    }
  }
  parts.push(expression.slice(start));
  return parts.map((p) => p.trim());
}

/**
 * How a result reads, as the reference validator reads it: a single boolean is itself, any other non-empty
 * result true; an empty result (undefined here) makes the invariant fail unless another operand of its `or`
 * is true (per-1's `start <= end` is empty when the two dates have different precisions, and the reference
 * reports that).
 */
function truth(result: unknown[]): boolean | undefined {
  if (result.length === 1 && typeof result[0] === 'boolean') return result[0];
  return result.length > 0 ? true : undefined;
}

interface AstNode {
  type: string;
  text?: string;
  atRoot?: number;
  children?: AstNode[];
}

/** AST nodes whose value depends on more than the element's named children. */
const UNGUARDABLE = new Set(['ThisInvocation', 'IndexInvocation', 'TotalInvocation', 'ExternalConstantTerm']);
/** Functions that evaluate their argument per item of their input: on an empty input, never. */
const ITEMWISE = new Set(['where', 'select', 'all', 'exists', 'repeat']);

/**
 * The child element names an expression starts its navigation from, or null when its result may depend on
 * anything else (a function applied to the element itself, `$this`, an environment variable). What the
 * argument of `where(...)` and the like reads is relative to the items filtered, so it does not count: with
 * the names absent those items are none.
 */
function namesRead(expression: string): ReadonlySet<string> | null {
  const names = new Set<string>();
  let guardable = true;
  const visit = (node: AstNode, parent: AstNode | undefined, itemwise: boolean) => {
    if (!itemwise) {
      if (UNGUARDABLE.has(node.type)) guardable = false;
      // A term that is a function call (`hasValue()`, `iif(...)`) applies to the element itself.
      if (node.type === 'FunctionInvocation' && parent?.type === 'InvocationTerm') guardable = false;
      if (node.type === 'MemberInvocation' && node.atRoot && node.text) names.add(node.text.replace(/^`|`$/g, ''));
    }
    const inner = itemwise || (node.type === 'Functn' && ITEMWISE.has(node.text ?? ''));
    for (const child of node.children ?? []) visit(child, node, inner);
  };
  visit(fhirpath.parse(expression) as AstNode, undefined, false);
  return guardable ? names : null;
}
