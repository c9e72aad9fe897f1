import type { ElementDefinition, FhirDefinitions } from '../definitions.ts';

/**
 * The children of one element-bearing thing (a resource type, a complex data type, a backbone element
 * path such as `Patient.contact`): which are summary (isSummary), which mandatory (min ≥ 1), and where the
 * children of each complex child are described, by JSON name (`valueQuantity` → `Quantity`,
 * `contact` → `Patient.contact`; `Resource` for a resource, described under its own resourceType).
 * `_summary` and `_elements` walk these at every level (FHIR R4 search.html#summary).
 */
export interface ElementSet {
  summary: ReadonlySet<string>;
  mandatory: ReadonlySet<string>;
  nested: ReadonlyMap<string, string>;
}

/** Data types whose values have no children to subset. */
const isPrimitive = (code: string) => /^[a-z]/.test(code) || code.startsWith('http://hl7.org/fhirpath/');

export function buildElementSets(definitions: FhirDefinitions): Map<string, ElementSet> {
  const sets = new Map<string, { summary: Set<string>; mandatory: Set<string>; nested: Map<string, string> }>();
  const setOf = (key: string) => {
    let set = sets.get(key);
    if (!set) sets.set(key, (set = { summary: new Set(), mandatory: new Set(), nested: new Map() }));
    return set;
  };
  for (const sd of definitions.structures.values()) {
    if (sd.kind !== 'resource' && sd.kind !== 'complex-type') continue;
    const elements = sd.snapshot?.element ?? [];
    const parents = new Set(elements.map((e) => e.path.slice(0, e.path.lastIndexOf('.'))));
    if (sd.kind === 'resource') {
      const top = setOf(sd.type);
      for (const name of ['id', 'meta']) {
        top.summary.add(name);
        top.mandatory.add(name);
      }
    }
    for (const element of elements) {
      const dot = element.path.lastIndexOf('.');
      if (dot < 0) continue;
      const parent = setOf(element.path.slice(0, dot));
      const name = element.path.slice(dot + 1);
      if (element.isSummary === true) parent.summary.add(name);
      if ((element.min ?? 0) >= 1) parent.mandatory.add(name);
      for (const [jsonName, key] of nestedKeys(element, name, parents)) parent.nested.set(jsonName, key);
    }
  }
  return sets;
}

/** Where the children of an element's value are described, per JSON name it may take. */
function nestedKeys(element: ElementDefinition, name: string, parents: ReadonlySet<string>): [string, string][] {
  if (element.contentReference) return [[name, element.contentReference.replace(/^#/, '')]];
  const types = (element.type ?? []).map((t) => t.code).filter((code) => !isPrimitive(code));
  if (parents.has(element.path)) return [[name, element.path]]; // a backbone element, described in place
  if (!name.endsWith('[x]')) return types[0] ? [[name, types[0]]] : [];
  const base = name.slice(0, -3);
  return types.map((code) => [`${base}${code}`, code]);
}

/**
 * The code system a `code` element's values implicitly belong to: the one system of the value set it is
 * bound to (required, extensible or preferred), when there is one. Keyed by element path as FHIRPath reports it (`Patient.gender`,
 * `Address.use`, `Patient.contact.gender`).
 */
export function buildCodeSystems(definitions: FhirDefinitions): Map<string, string> {
  const systems = new Map<string, string>();
  for (const sd of definitions.structures.values()) {
    for (const element of sd.snapshot?.element ?? []) {
      if (element.type?.length !== 1 || element.type[0]?.code !== 'code') continue;
      const binding = element.binding as { strength?: string; valueSet?: string } | undefined;
      // An example binding says nothing of where the codes come from.
      if (!binding?.valueSet || binding.strength === 'example') continue;
      const system = definitions.valueSetSystems.get(binding.valueSet.replace(/\|.*$/, ''));
      if (system) systems.set(element.path, system);
    }
  }
  return systems;
}
