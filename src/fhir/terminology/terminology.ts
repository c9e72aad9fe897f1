import { indexCodeSystem, propertyText, type CodeSystemIndex } from './code-system-index.ts';
import type { CodeSystemResource, Designation, TerminologyResource, ValueSetResource } from './terminology-resources.ts';
import { isUcumUnit, ucumUnitError, UCUM_SYSTEM } from './ucum.ts';
import { computeMembership, type MemberCode, type ValueSetMembership } from './value-set-membership.ts';

export interface ExpandOptions {
  /** Text the code or display must contain (case-insensitive). */
  filter?: string;
  count?: number;
  offset?: number;
}

export type ExpandResult =
  | { kind: 'expansion'; valueSet: ValueSetResource; total: number; offset: number; contains: readonly MemberCode[] }
  | { kind: 'not-found'; message: string }
  /** The value set draws on a code system or filter the server cannot enumerate. */
  | { kind: 'not-enumerable'; message: string }
  /** More codes match than one expansion may list without `count`. */
  | { kind: 'too-costly'; total: number; message: string };

export interface LookupProperty {
  code: string;
  value: string | number | boolean | { system?: string; code?: string; display?: string };
  type: 'code' | 'Coding' | 'string' | 'integer' | 'boolean' | 'dateTime' | 'decimal';
}

export type LookupResult =
  | { kind: 'found'; name: string; version?: string; code: string; display?: string; designation: readonly Designation[]; property: readonly LookupProperty[] }
  | { kind: 'not-found'; message: string };

/** A code's verdict: `unknown` when the server cannot say (a code system or filter it does not have). */
export type CodeVerdict = 'valid' | 'invalid' | 'unknown';

export interface ValidateCodeRequest {
  /** The value set the code must be in; absent: the code must be in `system`. */
  valueSet?: string;
  system?: string;
  code: string;
  display?: string;
  version?: string;
}

export interface ValidateCodeResult {
  result: CodeVerdict;
  message?: string;
  /** The display the code system gives the code. */
  display?: string;
}

export interface Terminology {
  /** The code system at this canonical (`url` or `url|version`), when the server has it. */
  codeSystem(canonical: string, version?: string): CodeSystemIndex | undefined;
  valueSet(canonical: string, version?: string): ValueSetResource | undefined;
  /** What a value set holds, computed on first use and cached; undefined when the server does not have it. */
  membership(canonical: string): ValueSetMembership | undefined;
  expand(canonical: string, version: string | undefined, options?: ExpandOptions): ExpandResult;
  lookup(system: string, code: string, version?: string): LookupResult;
  validateCode(request: ValidateCodeRequest): ValidateCodeResult;
}

/** Expansions larger than this are not listed whole: a client pages through them with `count`/`offset`. */
export const MAX_EXPANSION = 1000;

const splitCanonical = (canonical: string, version?: string): [string, string | undefined] => {
  const bar = canonical.indexOf('|');
  return bar < 0 ? [canonical, version] : [canonical.slice(0, bar), version ?? canonical.slice(bar + 1)];
};

/** Displays compare ignoring case and runs of white space, as the reference validator does. */
const normalizeDisplay = (text: string) => text.trim().replace(/\s+/g, ' ').toLowerCase();

/**
 * The terminology the server computes with: the CodeSystems and ValueSets given (the R4 definitions', and any
 * more, such as an implementation guide's), indexed by canonical URL. Code systems are indexed and value sets
 * computed lazily, on first use, and kept: a server pays only for the terminology its resources meet.
 */
export function createTerminology(resources: readonly TerminologyResource[]): Terminology {
  const codeSystems = new Map<string, CodeSystemResource>();
  const valueSets = new Map<string, ValueSetResource>();
  for (const r of resources) {
    const byUrl = r.resourceType === 'CodeSystem' ? codeSystems : valueSets;
    // A later resource of the same URL (an implementation guide's newer version) answers the unversioned URL.
    (byUrl as Map<string, TerminologyResource>).set(r.url, r);
    if (r.version !== undefined) (byUrl as Map<string, TerminologyResource>).set(`${r.url}|${r.version}`, r);
  }
  const indexes = new Map<CodeSystemResource, CodeSystemIndex>();
  const memberships = new Map<ValueSetResource, ValueSetMembership | null>();

  function codeSystem(canonical: string, version?: string): CodeSystemIndex | undefined {
    const [url, v] = splitCanonical(canonical, version);
    // Supplements add to another system, they are not one (FHIR R4 codesystem.html#supplements); a definition
    // without its codes (content not-present, as R4 ships SNOMED CT's) does not give the server the system.
    const cs = codeSystems.get(v !== undefined ? `${url}|${v}` : url);
    if (!cs || cs.content === 'supplement' || cs.content === 'not-present') return undefined;
    let index = indexes.get(cs);
    if (!index) indexes.set(cs, (index = indexCodeSystem(cs)));
    return index;
  }

  function valueSet(canonical: string, version?: string): ValueSetResource | undefined {
    const [url, v] = splitCanonical(canonical, version);
    return valueSets.get(v !== undefined ? `${url}|${v}` : url);
  }

  const sources = { codeSystem: (url: string) => codeSystem(url), valueSet: (url: string) => valueSet(url), membership };
  function membership(canonical: string): ValueSetMembership | undefined {
    const vs = valueSet(canonical);
    if (!vs) return undefined;
    const known = memberships.get(vs);
    if (known !== undefined) return known ?? undefined;
    // A value set importing itself, directly or not, is cut off there: unknown while it is being computed.
    memberships.set(vs, null);
    const computed = computeMembership(vs, sources);
    memberships.set(vs, computed);
    return computed;
  }

  function expand(canonical: string, version: string | undefined, { filter, count, offset = 0 }: ExpandOptions = {}): ExpandResult {
    const vs = valueSet(canonical, version);
    const m = vs ? membership(version !== undefined ? `${vs.url}|${version}` : canonical) : undefined;
    if (!vs || !m) return { kind: 'not-found', message: `No ValueSet ${canonical}${version !== undefined ? ` version ${version}` : ''} is known to this server` };
    if (!m.closed) return { kind: 'not-enumerable', message: `The ValueSet ${vs.url} cannot be expanded here: it draws on ${m.open.join(', ')}, which this server cannot enumerate` };
    const needle = filter?.trim().toLowerCase();
    const matching = needle ? m.codes.filter((c) => c.code.toLowerCase().includes(needle) || (c.display ?? '').toLowerCase().includes(needle)) : m.codes;
    if (count === undefined && matching.length - offset > MAX_EXPANSION) {
      return { kind: 'too-costly', total: matching.length, message: `The expansion of ${vs.url} has ${matching.length} codes, more than ${MAX_EXPANSION}: page through it with count and offset, or narrow it with filter` };
    }
    const take = Math.min(count ?? MAX_EXPANSION, MAX_EXPANSION);
    return { kind: 'expansion', valueSet: vs, total: matching.length, offset, contains: matching.slice(offset, offset + take) };
  }

  function lookup(system: string, code: string, version?: string): LookupResult {
    if (system === UCUM_SYSTEM) {
      const error = ucumUnitError(code);
      if (error) return { kind: 'not-found', message: `Unknown code '${code}' in the CodeSystem '${system}': ${error}` };
      return { kind: 'found', name: 'UCUM', code, display: code, designation: [], property: [] };
    }
    const cs = codeSystem(system, version);
    if (!cs) return { kind: 'not-found', message: `No CodeSystem ${system}${version !== undefined ? ` version ${version}` : ''} is known to this server` };
    const concept = cs.get(code);
    if (!concept) return { kind: 'not-found', message: `Unknown code '${code}' in the CodeSystem '${system}'` };
    const property: LookupProperty[] = [
      ...concept.parents.map((p) => ({ code: 'parent', value: p, type: 'code' as const })),
      ...concept.children.map((c) => ({ code: 'child', value: c, type: 'code' as const })),
      ...(concept.property ?? []).filter((p) => p.code !== 'parent' && p.code !== 'child').map(lookupProperty),
    ];
    return {
      kind: 'found',
      name: cs.name ?? cs.url,
      ...(cs.version !== undefined ? { version: cs.version } : {}),
      code: concept.code,
      ...(concept.display !== undefined ? { display: concept.display } : {}),
      designation: concept.designation ?? [],
      property,
    };
  }

  function validateCode({ valueSet: vsUrl, system, code, display, version }: ValidateCodeRequest): ValidateCodeResult {
    const inSystem = system !== undefined ? checkInSystem(system, code, display, version) : undefined;
    if (vsUrl === undefined) {
      return inSystem ?? { result: 'invalid', message: 'A code needs its system or a value set to be validated' };
    }
    const m = membership(vsUrl);
    if (!m) return { result: 'unknown', message: `No ValueSet ${vsUrl} is known to this server` };
    // A code that does not exist in its (fully known) system is invalid in any value set.
    if (inSystem?.result === 'invalid') return inSystem;
    const { result, member } = m.has(system, code);
    if (result === 'no') return { result: 'invalid', message: `The code '${code}'${system !== undefined ? ` of ${system}` : ''} is not in the value set ${vsUrl}` };
    if (result === 'unknown') return { result: 'unknown', message: `Whether '${code}'${system !== undefined ? ` of ${system}` : ''} is in the value set ${vsUrl} cannot be decided here: it draws on ${m.open.join(', ')}` };
    // The code system's verdict (display included) when the server has it; else the value set's own listing decides.
    if (inSystem && inSystem.result !== 'unknown') return inSystem;
    const known = member?.display;
    if (display !== undefined && known !== undefined && normalizeDisplay(display) !== normalizeDisplay(known)) {
      return { result: 'invalid', display: known, message: `Wrong display '${display}' for ${member?.system}#${code}: it should be '${known}'` };
    }
    return { result: 'valid', ...(known !== undefined ? { display: known } : {}) };
  }

  function checkInSystem(system: string, code: string, display: string | undefined, version: string | undefined): ValidateCodeResult {
    if (system === UCUM_SYSTEM) {
      return isUcumUnit(code) ? { result: 'valid', display: code } : { result: 'invalid', message: `Unknown code '${code}' in the CodeSystem '${system}': ${ucumUnitError(code)}` };
    }
    const cs = codeSystem(system, version);
    if (!cs) return { result: 'unknown', message: `The CodeSystem ${system}${version !== undefined ? ` version ${version}` : ''} is not known to this server` };
    const concept = cs.get(code);
    if (!concept) {
      return cs.complete
        ? { result: 'invalid', message: `Unknown code '${code}' in the CodeSystem '${system}'${cs.version !== undefined ? ` version '${cs.version}'` : ''}` }
        : { result: 'unknown', message: `The CodeSystem ${system} is only partly known here (a fragment or example): '${code}' is not among the codes it has` };
    }
    if (display !== undefined && !displayMatches(display, concept.display, concept.designation)) {
      return { result: 'invalid', ...(concept.display !== undefined ? { display: concept.display } : {}), message: `Wrong display '${display}' for ${system}#${concept.code}: it should be '${concept.display ?? ''}'` };
    }
    return { result: 'valid', ...(concept.display !== undefined ? { display: concept.display } : {}) };
  }

  return { codeSystem, valueSet, membership, expand, lookup, validateCode };
}

/** Whether a display is the concept's display or one of its designations. */
export function displayMatches(display: string, known: string | undefined, designation: readonly Designation[] | undefined): boolean {
  if (known === undefined && !designation?.length) return true;
  const wanted = normalizeDisplay(display);
  return (known !== undefined && normalizeDisplay(known) === wanted) || (designation ?? []).some((d) => normalizeDisplay(d.value) === wanted);
}

function lookupProperty(p: Parameters<typeof propertyText>[0]): LookupProperty {
  if (p.valueCoding) return { code: p.code, value: p.valueCoding, type: 'Coding' };
  if (p.valueCode !== undefined) return { code: p.code, value: p.valueCode, type: 'code' };
  if (p.valueString !== undefined) return { code: p.code, value: p.valueString, type: 'string' };
  if (p.valueInteger !== undefined) return { code: p.code, value: p.valueInteger, type: 'integer' };
  if (p.valueBoolean !== undefined) return { code: p.code, value: p.valueBoolean, type: 'boolean' };
  if (p.valueDecimal !== undefined) return { code: p.code, value: p.valueDecimal, type: 'decimal' };
  return { code: p.code, value: propertyText(p), type: 'dateTime' };
}
