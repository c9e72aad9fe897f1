import fhirpath from 'fhirpath';
import r4 from 'fhirpath/fhir-context/r4';
import type { ProfileDefinitions, ProfileElement, ProfileStructure } from './profile-definitions.ts';

/**
 * A FHIRPath invariant, compiled with the R4 model once per concrete type of its element (a choice's
 * value is typed by its JSON name: `Observation.effectiveDateTime`). Undefined when the engine cannot
 * compile it: the invariant is then not checked.
 */
export interface CompiledConstraint {
  readonly key: string;
  readonly severity: 'error' | 'warning';
  readonly human: string;
  evaluator(choiceType?: string): Evaluate | undefined;
}

export type Evaluate = (node: unknown, variables: Record<string, unknown>) => unknown[];

export interface Discriminator {
  readonly type: 'value' | 'pattern' | 'type' | 'profile' | 'exists' | string;
  readonly path: string;
}

/**
 * The rules a profile puts on one element, merged over its baseDefinition chain (the most derived
 * profile's value of each field wins; invariants accumulate). Children apply to each value of the
 * element; slices are the named subsets the slicing's discriminators pick out.
 */
export interface ElementRules {
  /** JSON name, without the choice suffix (`value` for `value[x]`); a choice narrowed to one type by name is its own name (`valueQuantity`). */
  readonly key: string;
  readonly choice: boolean;
  /** `valueQuantity` → { prefix: 'value', type: 'Quantity' }: a choice narrowed to one type. */
  readonly choiceType?: { readonly prefix: string; readonly type: string };
  /** The element's path in the profile (`Observation.component.code`): the FHIRPath base of its invariants. */
  readonly path: string;
  readonly sliceName?: string;
  min?: number;
  max?: number;
  fixed?: unknown;
  pattern?: unknown;
  /** Allowed type codes (`Quantity`, `dateTime`), when the profile narrows them. */
  types?: readonly string[];
  /** Profiles each value's type must conform to (an extension's definition). */
  typeProfiles?: readonly string[];
  /** Allowed targets of a Reference (profiles or base resource definitions). */
  targetProfiles?: readonly string[];
  binding?: { readonly strength: string; readonly valueSet: string };
  readonly constraints: CompiledConstraint[];
  slicing?: { readonly discriminators: readonly Discriminator[]; readonly rules: string };
  readonly slices: Map<string, ElementRules>;
  readonly children: Map<string, ElementRules>;
}

export interface CompiledProfile {
  readonly url: string;
  /** Short name used in messages (`us-core-patient`). */
  readonly name: string;
  readonly type: string;
  readonly root: ElementRules;
  /** A base in the chain the server does not have (its rules are not checked). */
  readonly missingBase?: string;
}

const R4_BASE = 'http://hl7.org/fhir/StructureDefinition/';
/** Choice elements of R4 and their types (`Observation.value` → Quantity, String, ...), from the FHIRPath model. */
const CHOICE_TYPES = (r4 as unknown as { choiceTypePaths: Readonly<Record<string, readonly string[]>> }).choiceTypePaths;

/** `Observation.component.valueQuantity` → value, Quantity: a choice element named by one of its types (profiling.html#choice). */
function choiceNamedByType(parentPath: string, name: string): ElementRules['choiceType'] {
  for (let i = 1; i < name.length; i++) {
    const c = name.charAt(i);
    if (c < 'A' || c > 'Z') continue;
    const prefix = name.slice(0, i);
    const type = name.slice(i);
    const basePath = `${parentPath.replace(/\[x\]/g, '')}.${prefix}`;
    if (CHOICE_TYPES[basePath]?.includes(type)) return { prefix, type };
  }
  return undefined;
}

const rules = (key: string, path: string, choice: boolean, extra: Partial<ElementRules> = {}): ElementRules =>
  ({ key, path, choice, constraints: [], slices: new Map(), children: new Map(), ...extra });

/** The chain root-first: R4 core profile (when one), then each US Core profile down to `sd`. */
function chainOf(sd: ProfileStructure, definitions: ProfileDefinitions): { chain: ProfileStructure[]; missingBase?: string } {
  const chain: ProfileStructure[] = [];
  let current: ProfileStructure | undefined = sd;
  while (current && chain.length < 20) {
    chain.unshift(current);
    const base: string | undefined = current.baseDefinition;
    // The R4 definition of the type itself: already enforced by the structure walk and the other checks.
    if (!base || base === R4_BASE + current.type) return { chain };
    current = definitions.structures.get(base);
    if (!current) return { chain, missingBase: base };
  }
  return { chain };
}

export function compileProfile(sd: ProfileStructure, definitions: ProfileDefinitions): CompiledProfile {
  const { chain, missingBase } = chainOf(sd, definitions);
  const root = rules(sd.type, sd.type, false);
  for (const structure of chain) for (const element of structure.differential.element) apply(nodeFor(root, element), element);
  return { url: sd.url, name: sd.id, type: sd.type, root, ...(missingBase ? { missingBase } : {}) };
}

/** The R4 path of an element path with its choices named by type (`Observation.component.valueQuantity` → `Observation.component.value`). */
function basePathOf(path: string): string {
  const [root, ...rest] = path.split('.');
  let base = root ?? '';
  for (const segment of rest) base += `.${choiceNamedByType(base, segment)?.prefix ?? segment.replace(/\[x\]$/, '')}`;
  return base;
}

/** Finds or makes the node an element id names: `Observation.component:systolic.valueQuantity.code`. */
function nodeFor(root: ElementRules, element: ProfileElement): ElementRules {
  const segments = (element.id ?? element.path).split('.');
  let node = root;
  for (const segment of segments.slice(1)) {
    const colon = segment.indexOf(':');
    const name = colon < 0 ? segment : segment.slice(0, colon);
    let slice = colon < 0 ? undefined : segment.slice(colon + 1);
    let key = name;
    let choice = false;
    let choiceType = name.endsWith('[x]') ? undefined : choiceNamedByType(basePathOf(node.path), name);
    if (name.endsWith('[x]')) {
      const prefix = name.slice(0, -3);
      // `value[x]:valueQuantity`: a type slice, the same as the element `valueQuantity`.
      if (slice?.startsWith(prefix) && slice.length > prefix.length) {
        key = slice;
        choiceType = { prefix, type: slice.slice(prefix.length) };
        slice = undefined;
      } else {
        key = prefix;
        choice = true;
      }
    }
    let child = node.children.get(key);
    if (!child) {
      const path = `${node.path}.${choice ? `${key}[x]` : key}`;
      child = rules(key, path, choice, choiceType ? { choiceType } : {});
      node.children.set(key, child);
    }
    if (slice) {
      let sliced = child.slices.get(slice);
      if (!sliced) child.slices.set(slice, (sliced = rules(child.key, child.path, child.choice, { sliceName: slice, ...(child.choiceType ? { choiceType: child.choiceType } : {}) })));
      child = sliced;
    }
    node = child;
  }
  return node;
}

function apply(node: ElementRules, element: ProfileElement): void {
  if (element.min !== undefined) node.min = element.min;
  if (element.max !== undefined) node.max = element.max === '*' ? Infinity : Number(element.max);
  for (const [field, value] of Object.entries(element)) {
    if (field.startsWith('fixed')) node.fixed = value;
    else if (field.startsWith('pattern')) node.pattern = value;
  }
  if (element.type) {
    node.types = element.type.map((t) => t.code);
    const profiles = element.type.flatMap((t) => t.profile ?? []);
    if (profiles.length > 0) node.typeProfiles = profiles;
    const targets = element.type.flatMap((t) => t.targetProfile ?? []);
    if (targets.length > 0) node.targetProfiles = targets;
  }
  if (element.binding?.valueSet) node.binding = { strength: element.binding.strength, valueSet: element.binding.valueSet };
  if (element.slicing) {
    node.slicing = { discriminators: element.slicing.discriminator ?? [], rules: element.slicing.rules ?? 'open' };
  }
  for (const constraint of element.constraint ?? []) {
    if (!constraint.expression || node.constraints.some((c) => c.key === constraint.key)) continue;
    const { expression } = constraint;
    const base = node.path.replace(/\[x\]$/, '').replace(/\[x\]/g, '');
    const byType = new Map<string, Evaluate | undefined>();
    const evaluator = (choiceType = '') => {
      if (!byType.has(choiceType)) byType.set(choiceType, compileExpression(node.choice ? base + choiceType : base, expression));
      return byType.get(choiceType);
    };
    node.constraints.push({ key: constraint.key, severity: constraint.severity, human: constraint.human, evaluator });
  }
}

/** Without converting results back to JSON types: an invariant's result is only compared with `true`. */
function compileExpression(base: string, expression: string): Evaluate | undefined {
  try {
    return fhirpath.compile({ base, expression }, r4, { resolveInternalTypes: false }) as unknown as Evaluate;
  } catch {
    try {
      return fhirpath.compile(expression, r4, { resolveInternalTypes: false }) as unknown as Evaluate;
    } catch {
      // An invariant this FHIRPath engine cannot compile is not checked.
      return undefined;
    }
  }
}
