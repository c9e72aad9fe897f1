import type { CodeSystemIndex } from './code-system-index.ts';
import type { ValueSetInclude, ValueSetResource } from './terminology-resources.ts';
import { isUcumUnit, UCUM_SYSTEM } from './ucum.ts';

/** One code a value set holds. */
export interface MemberCode {
  readonly system: string;
  readonly version?: string;
  readonly code: string;
  readonly display?: string;
}

/**
 * What a value set holds, computed once from its compose (FHIR R4 valueset.html#compositions): the codes it
 * lists or selects from code systems the server has, as Sets per system, and the parts it cannot enumerate —
 * all of UCUM (decided by the UCUM grammar), or a code system or filter the server cannot evaluate (SNOMED CT,
 * LOINC ...), where it cannot say whether a code is in.
 */
export interface ValueSetMembership {
  /** The enumerable codes in expansion order. */
  readonly codes: readonly MemberCode[];
  /** Whether `codes` is the whole value set (nothing open): it can then be expanded. */
  readonly closed: boolean;
  /** Why it is not closed: each system or value set it cannot enumerate. */
  readonly open: readonly string[];
  /** `yes`, `no`, or `unknown` when the server cannot tell (FHIR R4 terminology-service.html#validation). */
  has(system: string | undefined, code: string): { result: 'yes' | 'no' | 'unknown'; member?: MemberCode };
}

export interface MembershipSources {
  codeSystem(url: string): CodeSystemIndex | undefined;
  valueSet(canonical: string): ValueSetResource | undefined;
  /** The membership of another value set (imports), computed once and cached by the caller; undefined when unknown. */
  membership(canonical: string): ValueSetMembership | undefined;
}

type Open = 'ucum' | 'unknown';

class Builder {
  readonly bySystem = new Map<string, Map<string, MemberCode>>();
  readonly open = new Map<string, Open>();
  /** An import the server cannot resolve: any code of any system may be in. */
  anyOpen = false;
  readonly reasons = new Set<string>();

  constructor(private readonly keyOf: (system: string, code: string) => string) {}

  add(member: MemberCode): void {
    let codes = this.bySystem.get(member.system);
    if (!codes) this.bySystem.set(member.system, (codes = new Map()));
    const k = this.keyOf(member.system, member.code);
    if (!codes.has(k)) codes.set(k, member);
  }
  remove(system: string, code: string): void {
    this.bySystem.get(system)?.delete(this.keyOf(system, code));
  }
  openSystem(system: string, how: Open, reason: string): void {
    if (this.open.get(system) !== 'unknown') this.open.set(system, how);
    if (how === 'unknown') this.reasons.add(reason);
  }
}

export function computeMembership(vs: ValueSetResource, sources: MembershipSources): ValueSetMembership {
  const keyOf = (system: string, code: string) => sources.codeSystem(system)?.key(code) ?? code;
  const builder = new Builder(keyOf);
  for (const include of vs.compose?.include ?? []) addInclude(builder, include, sources);
  for (const exclude of vs.compose?.exclude ?? []) removeExclude(builder, exclude, sources);

  const codes = [...builder.bySystem.values()].flatMap((m) => [...m.values()]);
  const closed = builder.open.size === 0 && !builder.anyOpen;
  return {
    codes,
    closed,
    open: [...builder.reasons, ...[...builder.open].filter(([, how]) => how === 'ucum').map(([s]) => s)],
    has(system, code) {
      if (system === undefined) {
        // A bare `code` element: its system is the one the value set draws from.
        for (const [s, members] of builder.bySystem) {
          const member = members.get(keyOf(s, code));
          if (member) return { result: 'yes', member };
        }
        for (const [s, how] of builder.open) {
          if (how === 'ucum' && isUcumUnit(code)) return { result: 'yes', member: { system: s, code } };
        }
        return { result: builder.anyOpen || [...builder.open.values()].includes('unknown') ? 'unknown' : 'no' };
      }
      const member = builder.bySystem.get(system)?.get(keyOf(system, code));
      if (member) return { result: 'yes', member };
      const how = builder.open.get(system);
      if (how === 'ucum') return isUcumUnit(code) ? { result: 'yes', member: { system, code } } : { result: 'no' };
      if (how === 'unknown' || builder.anyOpen) return { result: 'unknown' };
      return { result: 'no' };
    },
  };
}

/** The codes one include or exclude selects, or what it leaves open. */
type Selection = { kind: 'codes'; codes: MemberCode[] } | { kind: 'open'; how: Open; reason: string };

function select(include: ValueSetInclude, sources: MembershipSources): Selection | undefined {
  const { system } = include;
  if (system === undefined) return undefined;
  const version = include.version !== undefined ? { version: include.version } : {};
  const cs = sources.codeSystem(system);
  if (include.concept?.length) {
    // Listed codes are members whether or not the server has the system (their existence is another check).
    return {
      kind: 'codes',
      codes: include.concept.map((c) => {
        const display = c.display ?? cs?.get(c.code)?.display;
        return { system, ...version, code: cs?.get(c.code)?.code ?? c.code, ...(display !== undefined ? { display } : {}) };
      }),
    };
  }
  if (system === UCUM_SYSTEM && !include.filter?.length) return { kind: 'open', how: 'ucum', reason: system };
  if (!cs || !cs.complete) return { kind: 'open', how: 'unknown', reason: `the code system ${system}` };
  let concepts = cs.all();
  for (const f of include.filter ?? []) {
    const selected = cs.filter(f);
    if (!selected) return { kind: 'open', how: 'unknown', reason: `the filter ${f.property} ${f.op} ${f.value} on ${system}` };
    const keep = new Set(selected);
    concepts = concepts.filter((c) => keep.has(c));
  }
  return {
    kind: 'codes',
    codes: concepts.map((c) => ({ system, ...(cs.version !== undefined ? { version: cs.version } : {}), code: c.code, ...(c.display !== undefined ? { display: c.display } : {}) })),
  };
}

function addInclude(builder: Builder, include: ValueSetInclude, sources: MembershipSources): void {
  const imports = (include.valueSet ?? []).map((url) => ({ url, membership: sources.membership(url) }));
  const unresolved = imports.find((i) => !i.membership);
  const selection = select(include, sources);
  if (!selection) {
    // Only imports: the codes in every one of them (FHIR R4 valueset.html#compositions: an intersection).
    if (unresolved) {
      builder.anyOpen = true;
      builder.reasons.add(`the value set ${unresolved.url}`);
      return;
    }
    const [first, ...rest] = imports.map((i) => i.membership as ValueSetMembership);
    if (!first) return;
    for (const member of first.codes) {
      if (rest.every((m) => m.has(member.system, member.code).result === 'yes')) builder.add(member);
    }
    const openOnes = imports.filter((i) => !(i.membership as ValueSetMembership).closed);
    if (openOnes.length) {
      builder.anyOpen = true;
      for (const i of openOnes) for (const reason of (i.membership as ValueSetMembership).open) builder.reasons.add(reason);
    }
    return;
  }
  const system = include.system as string;
  if (selection.kind === 'open') {
    builder.openSystem(system, imports.length ? 'unknown' : selection.how, selection.reason);
    return;
  }
  if (unresolved || imports.some((i) => !(i.membership as ValueSetMembership).closed)) {
    builder.openSystem(system, 'unknown', `the value set ${unresolved?.url ?? imports.map((i) => i.url).join(', ')}`);
    return;
  }
  for (const member of selection.codes) {
    if (imports.every((i) => (i.membership as ValueSetMembership).has(member.system, member.code).result === 'yes')) builder.add(member);
  }
}

function removeExclude(builder: Builder, exclude: ValueSetInclude, sources: MembershipSources): void {
  const selection = select(exclude, sources);
  if (!selection || selection.kind === 'open' || exclude.valueSet?.length) {
    // An exclusion it cannot enumerate leaves each affected code undecided.
    const systems = exclude.system !== undefined ? [exclude.system] : [...builder.bySystem.keys()];
    for (const system of systems) {
      builder.bySystem.delete(system);
      builder.openSystem(system, 'unknown', `the exclusion from ${system}`);
    }
    return;
  }
  for (const member of selection.codes) builder.remove(member.system, member.code);
}
