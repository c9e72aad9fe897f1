import type { CodeSystemResource, ConceptDefinition, ConceptProperty, Designation, ValueSetFilter } from './terminology-resources.ts';

/** A concept of a code system with its place in the hierarchy (FHIR R4 codesystem.html#hierarchy). */
export interface IndexedConcept {
  readonly code: string;
  readonly display?: string;
  readonly designation?: readonly Designation[];
  readonly property?: readonly ConceptProperty[];
  readonly parents: string[];
  readonly children: string[];
}

/** One code system's concepts by code, built on first use of that code system. */
export interface CodeSystemIndex {
  readonly url: string;
  readonly version?: string;
  readonly name?: string;
  /** Whether every code of the system is here (content `complete`): a code not found does not exist. */
  readonly complete: boolean;
  readonly caseSensitive: boolean;
  /** The key codes are compared by: the code itself, or lower-cased when the system is case-insensitive. */
  key(code: string): string;
  get(code: string): IndexedConcept | undefined;
  /** Every concept, in definition order. */
  all(): readonly IndexedConcept[];
  /**
   * The concepts a ValueSet.compose filter selects (FHIR R4 valueset.html#filters), or undefined when it
   * cannot be evaluated here (a property the system does not define, an operator not implemented).
   */
  filter(filter: ValueSetFilter): IndexedConcept[] | undefined;
}

const CONCEPT_PROPERTY_URI = 'http://hl7.org/fhir/concept-properties#';

export function indexCodeSystem(cs: CodeSystemResource): CodeSystemIndex {
  const caseSensitive = cs.caseSensitive !== false;
  const key = caseSensitive ? (code: string) => code : (code: string) => code.toLowerCase();
  let built: { byKey: Map<string, IndexedConcept>; ordered: IndexedConcept[] } | undefined;

  // Which declared properties mean parent and child: by their code, or the standard concept-properties URI.
  const relation = (propertyCode: string): 'parent' | 'child' | undefined => {
    const declared = cs.property?.find((p) => p.code === propertyCode);
    const uri = declared?.uri ?? '';
    if (uri === `${CONCEPT_PROPERTY_URI}parent` || propertyCode === 'parent' || propertyCode === 'subsumedBy') return 'parent';
    if (uri === `${CONCEPT_PROPERTY_URI}child` || propertyCode === 'child') return 'child';
    return undefined;
  };

  function build() {
    const byKey = new Map<string, IndexedConcept>();
    const ordered: IndexedConcept[] = [];
    const visit = (concepts: readonly ConceptDefinition[], parent: IndexedConcept | undefined) => {
      for (const c of concepts) {
        let entry = byKey.get(key(c.code));
        if (!entry) {
          entry = {
            code: c.code,
            ...(c.display !== undefined ? { display: c.display } : {}),
            ...(c.designation ? { designation: c.designation } : {}),
            ...(c.property ? { property: c.property } : {}),
            parents: [],
            children: [],
          };
          byKey.set(key(c.code), entry);
          ordered.push(entry);
        }
        if (parent) link(parent.code, entry.code);
        if (c.concept) visit(c.concept, entry);
      }
    };
    const links: [string, string][] = [];
    const link = (parent: string, child: string) => links.push([parent, child]);
    visit(cs.concept ?? [], undefined);
    for (const entry of ordered) {
      for (const p of entry.property ?? []) {
        const kind = relation(p.code);
        const other = p.valueCode ?? p.valueCoding?.code;
        if (!kind || other === undefined) continue;
        if (kind === 'parent') link(other, entry.code);
        else link(entry.code, other);
      }
    }
    for (const [parent, child] of links) {
      const p = byKey.get(key(parent));
      const c = byKey.get(key(child));
      if (!p || !c) continue;
      if (!p.children.includes(c.code)) p.children.push(c.code);
      if (!c.parents.includes(p.code)) c.parents.push(p.code);
    }
    return { byKey, ordered };
  }
  const index = () => (built ??= build());
  const get = (code: string) => index().byKey.get(key(code));

  /** The concept and all below it, or all above it, following the hierarchy (cycles are walked once). */
  function closure(code: string, direction: 'children' | 'parents'): Set<IndexedConcept> {
    const found = new Set<IndexedConcept>();
    const start = get(code);
    const pending = start ? [start] : [];
    while (pending.length) {
      const next = pending.pop() as IndexedConcept;
      if (found.has(next)) continue;
      found.add(next);
      for (const other of next[direction]) {
        const concept = get(other);
        if (concept) pending.push(concept);
      }
    }
    return found;
  }

  const propertyDeclared = (code: string) => cs.property?.some((p) => p.code === code) ?? false;

  function filter({ property, op, value }: ValueSetFilter): IndexedConcept[] | undefined {
    const all = index().ordered;
    if (property === 'concept' || property === 'code') {
      switch (op) {
        case 'is-a':
          return [...closure(value, 'children')];
        case 'descendent-of': {
          const below = closure(value, 'children');
          below.delete(get(value) as IndexedConcept);
          return [...below];
        }
        case 'is-not-a': {
          const excluded = closure(value, 'children');
          return all.filter((c) => !excluded.has(c));
        }
        case 'generalizes':
          return [...closure(value, 'parents')];
        case '=':
          return all.filter((c) => key(c.code) === key(value));
        case 'in': {
          const wanted = new Set(value.split(',').map((v) => key(v.trim())));
          return all.filter((c) => wanted.has(key(c.code)));
        }
        case 'regex': {
          const pattern = fullMatch(value);
          return pattern ? all.filter((c) => pattern.test(c.code)) : undefined;
        }
        default:
          return undefined;
      }
    }
    // parent/child as filter properties name the direct relation (FHIR R4 codesystem-concept-properties).
    const kind = relation(property);
    if (kind && !propertyDeclared(property) && op === '=') {
      return all.filter((c) => (kind === 'parent' ? c.parents : c.children).some((o) => key(o) === key(value)));
    }
    if (property === 'display' && (op === '=' || op === 'regex')) {
      const pattern = op === 'regex' ? fullMatch(value) : undefined;
      if (op === 'regex' && !pattern) return undefined;
      return all.filter((c) => (pattern ? pattern.test(c.display ?? '') : c.display === value));
    }
    if (!propertyDeclared(property)) return undefined;
    const values = (c: IndexedConcept) => (c.property ?? []).filter((p) => p.code === property).map(propertyText);
    switch (op) {
      case '=':
        return all.filter((c) => values(c).includes(value));
      case 'in': {
        const wanted = new Set(value.split(',').map((v) => v.trim()));
        return all.filter((c) => values(c).some((v) => wanted.has(v)));
      }
      case 'regex': {
        const pattern = fullMatch(value);
        return pattern ? all.filter((c) => values(c).some((v) => pattern.test(v))) : undefined;
      }
      case 'exists':
        return all.filter((c) => (values(c).length > 0) === (value === 'true'));
      default:
        return undefined;
    }
  }

  return {
    url: cs.url,
    ...(cs.version !== undefined ? { version: cs.version } : {}),
    ...(cs.name !== undefined ? { name: cs.name } : {}),
    complete: cs.content === 'complete',
    caseSensitive,
    key,
    get,
    all: () => index().ordered,
    filter,
  };
}

/** A property value as the text filters compare with. */
export function propertyText(p: ConceptProperty): string {
  const value = p.valueCode ?? p.valueCoding?.code ?? p.valueString ?? p.valueInteger ?? p.valueBoolean ?? p.valueDateTime ?? p.valueDecimal;
  return value === undefined ? '' : String(value);
}

/** A filter regex matches the whole value (FHIR R4 filter-operator `regex`); an invalid one cannot be evaluated. */
function fullMatch(source: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${source})$`, 'u');
  } catch {
    return undefined;
  }
}
